/**
 * The workstation's Python stacks (pythonStacks, pythonLocals, a python-frame bookmark) through the services
 * on pyworker with its rootfs; without the rootfs and on a process that is not Python, the answer says why.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { KensaServices } from '../../../main/services/kensa-services';
import { fixture, tempDir, TEST_CACHE } from '../../helpers';
import { PYWORKER, PYWORKER_ROOTFS } from '../python/pyworker';

test('pythonStacks and pythonLocals: frames per thread, one frame\'s locals, a frame bookmarked into the case', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: PYWORKER, rootfs: PYWORKER_ROOTFS })).ok);
    const r = await services.pythonStacks({ pid: 1 });
    assert.ok(r.ok && r.value.available, JSON.stringify(r));
    assert.equal(r.value.version, '3.11.2');
    const ingest = r.value.threads.find((t) => t.tid === 6);
    assert.equal(ingest?.name, 'ingest');
    const fetch = ingest?.frames.find((f) => f.function === 'fetch_batch');
    assert.deepEqual([fetch?.file, fetch?.line], ['/app/ingest.py', 11]);
    assert.ok(r.value.threads.every((t) => t.frames.every((f) => !('locals' in f))), 'stacks come without locals');

    const locals = await services.pythonLocals({ pid: 1, frame: fetch!.frame });
    assert.ok(locals.ok, JSON.stringify(locals));
    assert.equal(locals.value.function, 'fetch_batch');
    assert.deepEqual(
      locals.value.locals.map((l) => [l.name, l.value?.repr]),
      [
        ['batch_id', '4242'],
        ['retry_budget', "{'batch_id': 4242, 'retries_left': 3, 'tag': 'PYLOCAL-INGEST-DICT'}"],
        ['deadline_ms', '987654'],
        ['item', undefined],
      ],
    );
    // The suspended task's coroutines: listed apart, and their locals by frame address too.
    const task = r.value.tasks.find((t) => t.name === 'client-7');
    assert.deepEqual([task?.state, task?.thread, task?.frames.map((f) => f.function)], ['suspended', 'aio-loop', ['sleep', 'read_frame', 'handle_client']]);
    const readFrame = await services.pythonLocals({ pid: 1, frame: task!.frames[1].frame });
    assert.ok(readFrame.ok);
    assert.equal(readFrame.value.locals.find((l) => l.name === 'header')?.value?.repr, "b'\\xfe\\xedPYLOCAL-FRAME'");
    const wrong = await services.pythonLocals({ pid: 1, frame: '0x1000' });
    assert.ok(!wrong.ok && /no Python frame at 0x1000/.test(wrong.error.message));

    const dir = path.join(tempDir('kensa-py-ws-'), 'case');
    assert.ok((await services.caseOpen({ dir, create: true, analyst: 'ws', title: 'py' })).ok);
    assert.ok((await services.caseAddEvidence()).ok);
    const note = await services.addNote({ text: 'the ingest handler', target: { kind: 'python-frame', pid: 1, tid: 6, frame: fetch!.frame, function: 'fetch_batch', file: '/app/ingest.py', line: 11 } });
    assert.ok(note.ok, JSON.stringify(note));
    const status = await services.caseStatus();
    assert.ok(status.ok);
    const saved = status.value.notes.at(-1) as { target: { kind: string; frame: string }; capture?: { size: number } };
    assert.equal(saved.target.kind, 'python-frame');
    assert.equal(saved.target.frame, fetch!.frame);
    assert.equal(saved.capture?.size, 72, "the frame's fixed part is hashed when bookmarked");
    const bad = await services.addNote({ text: 'x', target: { kind: 'python-frame', pid: 1, tid: 99, frame: fetch!.frame, function: 'f', file: 'f' } });
    assert.ok(!bad.ok);
  } finally {
    services.dispose();
  }
});

test('pythonStacks says why there is no stack: the interpreter binary needs the rootfs; a process that is not Python', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: PYWORKER })).ok);
    const r = await services.pythonStacks({ pid: 1 });
    assert.ok(r.ok && !r.value.available);
    assert.match(r.value.reason, /--rootfs/);
    assert.equal(r.value.why, 'unreadable');
    assert.ok((await services.openArchive({ path: fixture('podman-counter').input })).ok);
    const c = await services.pythonStacks({ pid: 6 });
    assert.ok(c.ok && !c.value.available);
    assert.match(c.value.reason, /not a CPython process/);
    assert.equal(c.value.why, 'not-python');
  } finally {
    services.dispose();
  }
});
