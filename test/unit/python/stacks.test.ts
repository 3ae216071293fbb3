/**
 * Python stacks of the pyworker checkpoint against the program's own record (truth/stacks-full.json, written
 * by a SIGUSR2 handler from sys._current_frames() two seconds before the checkpoint): every thread's frames
 * (function, file, line), its native tid and threading name, and the distinctive locals read back exactly.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { pythonStacks, findInterpreter } from '../../../main/core/python';
import { readElfSymbols } from '../../../main/core/elf/elf-symbols';
import { RemoteMemory } from '../../../main/core/python/remote-memory';
import { ObjectReader } from '../../../main/core/python/objects';
import { layoutFor } from '../../../main/core/python/layouts';
import { openPyworker, truth } from './pyworker';

test('the interpreter: /usr/bin/python3.11 from --rootfs, CPython 3.11.2 from Py_Version, _PyRuntime from .dynsym', async () => {
  const { cp, close } = await openPyworker();
  try {
    const it = findInterpreter(cp, 1);
    assert.ok(it);
    assert.equal(it.binary, '/usr/bin/python3.11');
    assert.equal(it.origin, 'rootfs');
    assert.equal(it.version, '3.11.2');
    assert.equal(it.hexversion, Number(truth().hexversion), 'Py_Version is sys.hexversion');
    // Values the fixture's README gives from `nm -D` (a non-PIE executable: no load bias).
    assert.equal(it.runtime, 0xa5b740n);
    assert.equal(it.bias, 0n);
    assert.ok(it.layout);
  } finally {
    close();
  }
});

test('every thread: frames innermost first equal the truth (function, file, line), paired with tid, ident and name', async () => {
  const { cp, close } = await openPyworker();
  try {
    const r = pythonStacks(cp, 1);
    assert.deepEqual(r.warnings, []);
    const want = truth().threads;
    assert.deepEqual(
      r.threads.map((t) => t.tid),
      want.map((t) => t.native_id),
      'one Python thread per checkpoint thread: tids 1, 6, 7, 8, 9',
    );
    assert.deepEqual(
      cp.threads(1).map((t) => t.tid),
      r.threads.map((t) => t.tid),
    );
    for (const w of want) {
      const got = r.threads.find((t) => t.tid === w.native_id);
      assert.ok(got, `thread ${w.native_id}`);
      assert.equal(got.name, w.name, `threading name of ${w.native_id}`);
      assert.equal(BigInt(got.ident), BigInt(w.ident), `ident of ${w.name}`);
      assert.equal(got.nativeThreadId, w.native_id, 'native_thread_id holds the in-namespace tid (gettid() inside the container)');
      // The truth lists frames outermost first; the main thread's truth leaves out the signal handler's own frame.
      const expected = [...w.frames_outermost_first].reverse().map((f) => ({ function: f.qualname, file: f.file, line: f.line, firstLine: f.code_firstlineno }));
      assert.deepEqual(
        got.frames.map((f) => ({ function: f.function, file: f.file, line: f.line, firstLine: f.firstLine })),
        expected,
        `frames of ${w.name}`,
      );
    }
    // pthread_self() is the thread pointer on x86_64: the thread state's thread_id equals fs_base in core-N.img.
    for (const t of cp.threads(1)) assert.equal(BigInt(r.threads.find((p) => p.tid === t.tid)?.ident ?? '0'), t.regs.fs_base);
    // The generator frame is the generator's own frame, linked into the audit thread's stack while it runs.
    const audit = r.threads.find((t) => t.name === 'audit');
    assert.equal(audit?.frames.find((f) => f.function === 'AuditLog.drain_pending')?.owner, 'generator');
  } finally {
    close();
  }
});

test('locals: every local the truth recorded has its type and address; simple values read back exactly', async () => {
  const { cp, close } = await openPyworker();
  try {
    const r = pythonStacks(cp, 1, { locals: true });
    let exact = 0;
    let compared = 0;
    for (const w of truth().threads) {
      const got = r.threads.find((t) => t.tid === w.native_id);
      const frames = [...w.frames_outermost_first].reverse();
      frames.forEach((f, i) => {
        for (const [name, want] of Object.entries(f.locals ?? {})) {
          const local = got?.frames[i].locals?.find((l) => l.name === name);
          assert.ok(local?.value, `${w.name} ${f.qualname} ${name}`);
          compared++;
          assert.equal(local.value.type, want.type, `${f.qualname} ${name}: type`);
          assert.equal(BigInt(local.value.address), BigInt(want.id), `${f.qualname} ${name}: id()`);
          // Values whose repr does not need calling Python code (no `<…>` other than a function's) are exact.
          if (!/<(?!function )/.test(want.repr)) {
            assert.equal(local.value.repr, want.repr, `${f.qualname} ${name}: repr`);
            exact++;
          }
        }
      });
    }
    assert.ok(compared >= 40 && exact >= 25, `${compared} locals compared, ${exact} by value`);
    // The distinctive ones, by value (README of the fixture).
    const frame = (fn: string, tid: number, nth = 0) => r.threads.find((t) => t.tid === tid)?.frames.filter((f) => f.function === fn)[nth];
    const val = (fn: string, tid: number, name: string, nth = 0) => frame(fn, tid, nth)?.locals?.find((l) => l.name === name)?.value;
    assert.equal(val('serve', 1, 'session_token')?.value, 'PYLOCAL-3c9e-TOKEN');
    assert.equal(val('serve', 1, 'request_count')?.value, 271828);
    assert.equal(val('serve', 1, 'routes')?.repr, "{'/health': 200, '/token': 'PYLOCAL-3c9e-TOKEN', 'marker': 'PYLOCAL-MAIN-DICT'}");
    assert.equal(val('fetch_batch', 6, 'deadline_ms')?.value, 987654);
    assert.equal(val('fetch_batch', 6, 'retry_budget')?.repr, "{'batch_id': 4242, 'retries_left': 3, 'tag': 'PYLOCAL-INGEST-DICT'}");
    for (let depth = 6; depth >= 1; depth--) {
      assert.equal(val('recurse', 7, 'depth', 6 - depth)?.value, depth);
      assert.equal(val('recurse', 7, 'marker', 6 - depth)?.value, `PYLOCAL-CRUNCH-${depth}`);
    }
    assert.equal(val('crunch', 7, 'accumulator')?.value, 1618033);
    assert.equal(val('AuditLog.flush', 8, 'pending')?.repr, "{'user': 'alice', 'action': 'PYLOCAL-AUDIT-77', 'count': 3}");
    assert.equal(val('AuditLog.flush', 8, 'self')?.type, 'AuditLog');
    assert.equal(val('AuditLog.drain_pending', 8, 'cursor')?.value, 0);
    // Not yet bound when the thread blocked: listed without a value.
    const unbound = frame('serve', 1)?.locals?.find((l) => l.name === 'events');
    assert.ok(unbound && unbound.value === undefined);
  } finally {
    close();
  }
});

test('layout checks on the fixture: interp->modules is sys.modules; a Thread\'s _name through its managed dict', async () => {
  const { cp, close } = await openPyworker();
  try {
    const L = layoutFor('3.11');
    assert.ok(L);
    const mem = new RemoteMemory(cp.addressSpace(1)!);
    const o = new ObjectReader(mem, L);
    const interp = mem.u64(0xa5b740n + BigInt(L.runtime.interpretersHead));
    const modules = mem.u64(interp + BigInt(L.interp.modules));
    assert.equal(o.typeName(modules), 'dict');
    for (const name of ['sys', 'threading', 'asyncio', 'selectors']) assert.ok(o.dictGet(modules, name), `sys.modules['${name}']`);
    const threading = o.dictGet(modules, 'threading')!;
    assert.equal(o.typeName(threading), 'module');
    const active = o.dictGet(mem.u64(threading + BigInt(L.module.dict)), '_active')!;
    const names = o.dictItems(active, 16).items.map(([, t]) => o.str(o.attribute(t, '_name')!)?.text).sort();
    assert.deepEqual(names, ['MainThread', 'aio-loop', 'audit', 'crunch', 'ingest']);
  } finally {
    close();
  }
});

test('.dynsym of the stripped interpreter: the symbols nm -D lists, at its addresses', async () => {
  const { rootfs, close } = await openPyworker();
  try {
    const f = rootfs.open('/usr/bin/python3.11');
    assert.ok(f);
    const elf = readElfSymbols({ label: 'python3.11', size: f.src.size, read: (o, n) => f.src.read(o, n) });
    assert.equal(elf.type, 2, 'ET_EXEC: non-PIE');
    assert.equal(elf.symbols.get('_PyRuntime')?.value, 0xa5b740n);
    assert.equal(elf.symbols.get('_PyEval_EvalFrameDefault')?.value, 0x52b0f0n);
    assert.equal(elf.symbols.get('Py_Version')?.value, 0x8cc3e8n);
    assert.ok(elf.symbols.size > 1000);
  } finally {
    close();
  }
});

test('the suspended asyncio task: name, loop thread, await chain (function, file, line) and locals as the truth has them', async () => {
  const { cp, close } = await openPyworker();
  try {
    const r = pythonStacks(cp, 1, { locals: true });
    const want = truth().asyncio_loop;
    assert.equal(r.tasks.length, want.tasks.length);
    const task = r.tasks[0];
    const w = want.tasks[0];
    assert.deepEqual([task.name, task.address, task.state, task.thread], [w.name, w.id, 'suspended', want.thread]);
    const chain = w.coroutine_chain_outermost_first;
    const coroutines = chain.filter((f) => f.function !== undefined).reverse();
    assert.deepEqual(
      task.frames.map((f) => ({ function: f.function, file: f.file, line: f.line, firstLine: f.firstLine })),
      coroutines.map((f) => ({ function: f.qualname, file: f.file, line: f.line, firstLine: f.code_firstlineno })),
    );
    // Each coroutine's frame is embedded in the coroutine object (gi_iframe at 80 in 3.11).
    task.frames.forEach((f, i) => assert.equal(BigInt(f.frame) - 80n, BigInt(coroutines[i].coroutine_id!)));
    const last = chain[chain.length - 1];
    assert.equal(task.awaiting?.type, last.type);
    assert.equal(BigInt(task.awaiting!.address), BigInt(last.id!));
    for (const [i, f] of coroutines.entries()) {
      for (const [name, l] of Object.entries(f.locals ?? {})) {
        const got = task.frames[i].locals?.find((x) => x.name === name)?.value;
        assert.deepEqual([got?.type, got?.repr, got && BigInt(got.address)], [l.type, l.repr, BigInt(l.id)], `${f.qualname} ${name}`);
      }
    }
  } finally {
    close();
  }
});
