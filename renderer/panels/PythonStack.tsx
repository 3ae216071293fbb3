import { useEffect, useState } from 'react';
import type { ApiError, PyFrameInfo, PythonLocalsInfo, PythonStacksInfo } from '#shared/api/contract';
import { useKensa } from '../stores/hooks';
import { ErrorMessage } from '../components/ErrorMessage';
import { NoteButton } from '../components/NoteButton';
import { visible } from '../util/text';

type Loaded<T> = { key: string; value: T } | { key: string; error: ApiError } | null;

/** The locals of one frame, read when the frame is selected (pythonLocals). */
function FrameLocals({ pid, frame }: { pid: number; frame: PyFrameInfo }) {
  const client = useKensa((s) => s.client);
  const key = `${pid}:${frame.frame}`;
  const [locals, setLocals] = useState<Loaded<PythonLocalsInfo>>(null);
  useEffect(() => {
    let live = true;
    void client.pythonLocals({ pid, frame: frame.frame }).then((r) => {
      if (live) setLocals(r.ok ? { key, value: r.value } : { key, error: r.error });
    });
    return () => {
      live = false;
    };
  }, [client, pid, frame.frame, key]);
  if (!locals || locals.key !== key) return <div className="loading">Reading the locals of {visible(frame.function)}…</div>;
  if ('error' in locals) return <ErrorMessage context="Reading the frame's locals" error={locals.error} />;
  const bound = locals.value.locals;
  return (
    <div data-testid="python-locals">
      <h3>
        Locals of <span className="mono">{visible(frame.function)}</span>
      </h3>
      {locals.value.warning ? <div className="muted">Not read: {visible(locals.value.warning)}</div> : null}
      {bound.length === 0 ? (
        <div className="muted">No local variables.</div>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Value</th>
              <th>Address</th>
            </tr>
          </thead>
          <tbody>
            {bound.map((l) => (
              <tr key={l.name}>
                <td className="mono">{visible(l.name)}</td>
                <td>{l.value ? visible(l.value.type) : <span className="muted">unbound</span>}</td>
                <td className="mono wrap">{l.value ? visible(l.value.repr ?? `<${l.value.type} object>`) : ''}</td>
                <td className="mono">{l.value?.address ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Frames innermost first; a click selects one (its locals below); each can be bookmarked. */
function FrameTable({ pid, tid, frames, selected, onSelect }: { pid: number; tid: number; frames: PyFrameInfo[]; selected: string | null; onSelect: (frame: string) => void }) {
  return (
    <table className="data">
      <thead>
        <tr>
          <th>#</th>
          <th>Function</th>
          <th>File:line</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {frames.map((f, i) => (
          <tr key={f.frame} className="selectable" aria-selected={f.frame === selected} onClick={() => onSelect(f.frame)}>
            <td>{i}</td>
            <td className="mono">{visible(f.function)}</td>
            <td className="mono">
              {visible(f.file)}:{f.line ?? '?'}
            </td>
            <td>
              <NoteButton
                target={{ kind: 'python-frame', pid, tid, frame: f.frame, function: f.function, file: f.file, ...(f.line !== undefined ? { line: f.line } : {}) }}
                label={`Python frame ${f.function} (${f.file}:${f.line ?? '?'}) in thread ${tid}`}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The Python stack of the selected thread, innermost frame first (main/core/python through pythonStacks);
 * selecting a frame shows its locals; each frame can be bookmarked into the case.
 */
export function PythonStack({ pid, tid }: { pid: number; tid: number }) {
  const client = useKensa((s) => s.client);
  const [stacks, setStacks] = useState<Loaded<PythonStacksInfo>>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const key = String(pid);
  useEffect(() => {
    let live = true;
    setSelected(null);
    void client.pythonStacks({ pid }).then((r) => {
      if (live) setStacks(r.ok ? { key, value: r.value } : { key, error: r.error });
    });
    return () => {
      live = false;
    };
  }, [client, pid, key]);
  if (!stacks || stacks.key !== key) return <div className="loading">Reading the Python stacks…</div>;
  if ('error' in stacks) return <ErrorMessage context="Reading the Python stacks" error={stacks.error} />;
  const info = stacks.value;
  if (!info.available) {
    if (info.why === 'not-python') return null; // nothing to say about a process that does not run Python
    return (
      <div className="muted" data-testid="python-stack-unavailable">
        Python stack: {visible(info.reason)}
      </div>
    );
  }
  const thread = info.threads.find((t) => t.tid === tid);
  // Suspended asyncio tasks run by this thread's event loop (or by a loop whose thread is not known).
  const tasks = info.tasks.filter((t) => t.state !== 'running' && t.frames.length && (t.thread === undefined || t.thread === thread?.name));
  const frame = [...(thread?.frames ?? []), ...tasks.flatMap((t) => t.frames)].find((f) => f.frame === selected);
  return (
    <div data-testid="python-stack">
      <h3>
        Python stack <span className="muted">CPython {visible(info.version)} · {visible(info.binary)}{thread?.name !== undefined ? ` · thread "${visible(thread.name)}"` : ''}</span>
      </h3>
      {info.warnings.map((w) => (
        <div key={w} className="muted">Partial: {visible(w)}</div>
      ))}
      {!thread ? (
        <div className="muted">This thread has no Python thread state.</div>
      ) : thread.frames.length === 0 ? (
        <div className="muted">No Python frames on this thread.</div>
      ) : (
        <FrameTable pid={pid} tid={tid} frames={thread.frames} selected={selected} onSelect={setSelected} />
      )}
      {thread?.warning ? <div className="muted">Stack cut: {visible(thread.warning)}</div> : null}
      {tasks.map((t) => (
        <div key={t.address} data-testid="python-task">
          <h3>
            asyncio task <span className="data">{t.name !== undefined ? `"${visible(t.name)}"` : t.address}</span>{' '}
            <span className="muted">
              {t.state}, on no thread's stack{t.awaiting ? ` · awaiting ${visible(t.awaiting.repr ?? `<${t.awaiting.type} object at ${t.awaiting.address}>`)}` : ''}
            </span>
          </h3>
          <FrameTable pid={pid} tid={tid} frames={t.frames} selected={selected} onSelect={setSelected} />
          {t.warning ? <div className="muted">Chain cut: {visible(t.warning)}</div> : null}
        </div>
      ))}
      {frame ? <FrameLocals pid={pid} frame={frame} /> : thread?.frames.length ? <div className="muted">Select a frame to see its locals.</div> : null}
    </div>
  );
}
