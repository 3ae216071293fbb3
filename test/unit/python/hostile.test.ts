/**
 * A hostile or corrupt interpreter state gives a partial stack and a warning, never a hang or a crash: the
 * pyworker process's real memory with a few words changed (a thread-state list that loops, a frame list that
 * loops, frames and interpreters pointing outside memory, absurd sizes), and a synthetic address space.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { pythonStacks, walkStacks, findInterpreter, type PyProcessStacks } from '../../../main/core/python';
import { RemoteMemory } from '../../../main/core/python/remote-memory';
import { layoutFor, type PythonLayout } from '../../../main/core/python/layouts';
import type { AddressSpace } from '../../../main/core/memory/address-space';
import type { Checkpoint } from '../../../main/core/model/checkpoint';
import { makeSpace, PAGE, vma } from '../memory/space';
import { openPyworker } from './pyworker';

/** The process's memory with some 8-byte words replaced (the evidence itself is untouched). */
class PatchedMemory extends RemoteMemory {
  constructor(
    space: AddressSpace,
    readonly patches: Map<bigint, bigint>,
  ) {
    super(space);
  }
  override bytes(address: bigint, length: number, what?: string): Buffer {
    const out = super.bytes(address, length, what);
    for (const [at, value] of this.patches) {
      for (let i = 0n; i < 8n; i++) {
        const pos = at + i - address;
        if (pos >= 0n && pos < BigInt(out.length)) out[Number(pos)] = Number((value >> (8n * i)) & 0xffn);
      }
    }
    return out;
  }
}

const L = layoutFor('3.11') as PythonLayout;

async function patchedWalk(patch: (base: PyProcessStacks, cp: Checkpoint) => Map<bigint, bigint>, locals = false, maxReads?: number): Promise<{ base: PyProcessStacks; got: PyProcessStacks }> {
  const { cp, close } = await openPyworker();
  try {
    const base = pythonStacks(cp, 1, { locals });
    const it = findInterpreter(cp, 1)!;
    const threads = cp.threads(1).map((t) => ({ tid: t.tid, fsBase: t.regs.fs_base }));
    const got = walkStacks(new PatchedMemory(cp.addressSpace(1)!, patch(base, cp)), L, it, threads, { locals, maxReads });
    return { base, got };
  } finally {
    close();
  }
}

const frameNames = (r: PyProcessStacks, tid: number): string[] => r.threads.find((t) => t.tid === tid)?.frames.map((f) => f.function) ?? [];

test('a thread-state list that loops back: each thread once, and a warning', async () => {
  const { base, got } = await patchedWalk((b) => {
    // The list runs newest first; the last state (the main thread's) points back to the first.
    const order = b.threads.map((t) => BigInt(t.threadState));
    const last = BigInt(b.threads.find((t) => t.tid === 1)!.threadState);
    return new Map([[last + BigInt(L.thread.next), order.find((a) => a !== last)!]]);
  });
  assert.equal(got.threads.length, base.threads.length);
  assert.ok(got.warnings.some((w) => /thread-state list loops/.test(w)), got.warnings.join('; '));
  assert.deepEqual(frameNames(got, 7), frameNames(base, 7));
});

test('a frame pointing outside memory ends that stack with a warning; other threads are whole', async () => {
  const { base, got } = await patchedWalk((b) => {
    const crunch = b.threads.find((t) => t.tid === 7)!;
    return new Map([[BigInt(crunch.frames[2].frame) + BigInt(L.frame.previous), 0xdead0000n]]);
  });
  const crunch = got.threads.find((t) => t.tid === 7)!;
  assert.equal(crunch.frames.length, 3, 'the frames before the bad pointer are kept');
  assert.match(crunch.warning ?? '', /0xdead0000/);
  assert.ok(got.warnings.some((w) => /thread 7: .*partial/.test(w)));
  for (const tid of [1, 6, 8, 9]) assert.deepEqual(frameNames(got, tid), frameNames(base, tid));
});

test('a frame list that loops, and a cframe pointing at nothing', async () => {
  const { got } = await patchedWalk((b) => {
    const ingest = b.threads.find((t) => t.tid === 6)!;
    const audit = b.threads.find((t) => t.tid === 8)!;
    return new Map([
      [BigInt(ingest.frames[3].frame) + BigInt(L.frame.previous), BigInt(ingest.frames[0].frame)],
      [BigInt(audit.threadState) + BigInt(L.thread.cframe), 0x10n],
    ]);
  });
  const ingest = got.threads.find((t) => t.tid === 6)!;
  assert.equal(ingest.frames.length, 4);
  assert.match(ingest.warning ?? '', /loops back/);
  const audit = got.threads.find((t) => t.tid === 8)!;
  assert.equal(audit.frames.length, 0);
  assert.match(audit.warning ?? '', /not in the checkpoint/);
});

test('absurd sizes: a dict claiming 2^40 entries, a str of 2^60 characters, a code object with 2^30 locals', async () => {
  const { got } = await patchedWalk((b) => {
    const serve = b.threads.find((t) => t.tid === 1)!.frames.find((f) => f.function === 'serve')!;
    const local = (n: string) => BigInt(serve.locals!.find((l) => l.name === n)!.value!.address);
    const fetch = b.threads.find((t) => t.tid === 6)!.frames.find((f) => f.function === 'fetch_batch')!;
    return new Map([
      [local('routes') + BigInt(L.dict.used), 1n << 40n],
      [local('session_token') + BigInt(L.unicode.length), 1n << 60n],
      // co_nlocalsplus is an int at 76: the word at 72 holds co_firstlineno (low half) and it (high half).
      [BigInt(fetch.code) + BigInt(L.code.firstlineno), (1n << 62n) | 8n],
    ]);
  }, true);
  const serve = got.threads.find((t) => t.tid === 1)!.frames.find((f) => f.function === 'serve')!;
  const routes = serve.locals!.find((l) => l.name === 'routes')!.value!;
  assert.match(routes.repr ?? '', /unreadable/);
  const token = serve.locals!.find((l) => l.name === 'session_token')!.value!;
  assert.match(token.repr ?? '', /unreadable/);
  const fetch = got.threads.find((t) => t.tid === 6)!.frames.find((f) => f.function === 'fetch_batch')!;
  assert.deepEqual(fetch.locals, []);
  assert.match(fetch.localsWarning ?? '', /locals/);
  assert.equal(fetch.line, 11, 'the frame itself stands');
  assert.ok(got.warnings.some((w) => /fetch_batch .*locals not read/.test(w)));
});

test('an interpreter list pointing outside memory, and a spent read budget: partial, with a warning', async () => {
  const { got } = await patchedWalk(() => new Map([[0xa5b740n + BigInt(L.runtime.interpretersHead), 0x7ff000000000n]]));
  assert.equal(got.threads.length, 0);
  assert.ok(got.warnings.some((w) => /interpreter list is partial/.test(w)));
  const { base, got: cut } = await patchedWalk(() => new Map(), false, 40);
  assert.ok(cut.threads.flatMap((t) => t.frames).length < base.threads.flatMap((t) => t.frames).length);
  assert.ok(cut.warnings.some((w) => /read budget/.test(w)), cut.warnings.join('; '));
});

test('a synthetic address space: a thread state that is its own successor and its own frame, zero pages, no crash', () => {
  // One anonymous page-aligned area; _PyRuntime at its start points to an interpreter whose thread list and
  // frame chain loop on themselves, with a code object pointer into unmapped memory.
  const base = 0x10000n;
  const page = Buffer.alloc(PAGE * 4);
  const put = (off: number, v: bigint) => page.writeBigUInt64LE(v, off);
  const interp = base + 0x100n;
  const ts = base + 0x1000n;
  const cframe = base + 0x2000n;
  const frame = base + 0x3000n;
  put(L.runtime.interpretersHead, interp);
  put(0x100 + L.interp.next, interp); // the interpreter list loops too
  put(0x100 + L.interp.threadsHead, ts);
  put(0x1000 + L.thread.next, ts);
  put(0x1000 + L.thread.cframe, cframe);
  put(0x1000 + L.thread.nativeThreadId, 42n);
  put(0x2000 + L.cframe.currentFrame, frame);
  put(0x3000 + L.frame.code, 0x7fff00000000n);
  put(0x3000 + L.frame.previous, frame);
  const space = makeSpace([vma(base, base + BigInt(page.length))], [{ start: base, data: page }]);
  const r = walkStacks(new RemoteMemory(space), L, { binary: 'synthetic', origin: 'test', version: '3.11.0', bias: 0n, runtime: base }, [{ tid: 42 }]);
  assert.equal(r.threads.length, 1);
  assert.equal(r.threads[0].tid, 42);
  assert.deepEqual(r.threads[0].frames, []);
  assert.ok(r.warnings.some((w) => /thread-state list loops/.test(w)));
  assert.ok(r.warnings.some((w) => /interpreter list loops/.test(w)));
  assert.ok(r.warnings.some((w) => /thread 42: .*not in the checkpoint/.test(w)));
});

test('an await chain that loops back: the task is listed once per coroutine, with a warning', async () => {
  const { got } = await patchedWalk((b) => {
    // sleep's frame awaits the FutureIter on top of its stack; make it await handle_client's coroutine instead.
    const task = b.tasks[0];
    const sleep = BigInt(task.frames[0].frame);
    const outer = BigInt(task.frames[task.frames.length - 1].frame) - BigInt(L.gen.iframe);
    return new Map([[sleep + BigInt(L.frame.localsplus) + 5n * 8n, outer]]);
  });
  const task = got.tasks[0];
  assert.deepEqual(task.frames.map((f) => f.function), ['sleep', 'read_frame', 'handle_client']);
  assert.match(task.warning ?? '', /await chain loops back/);
  assert.ok(got.warnings.some((w) => /asyncio task client-7: .*partial/.test(w)));
});
