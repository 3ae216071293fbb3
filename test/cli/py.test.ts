/**
 * `kensa py` and `kensa ps` through the real binary: pyworker's stacks as py-spy dump prints them (and as the
 * program's own record, truth/expected-stacks.txt, lists them), --json, --locals; the interpreter read from
 * rootfs-diff.tar without --rootfs; clear refusals (no rootfs, not Python, an unsupported version); a
 * corrupt interpreter state in the pages file gives the stacks with a warning and exit 3.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tar from 'tar';
import { fixture, kensa, tempDir, TEST_CACHE } from '../helpers';
import { PYWORKER, PYWORKER_DIR, PYWORKER_ROOTFS, openPyworker } from '../unit/python/pyworker';
import { unpackArchive } from '../unit/memory/synth';
import { fileIdOf, ghostImage } from '../unit/memory/ghost-synth';
import { encodeImage } from '../../main/core/criu';
import { pythonStacks } from '../../main/core/python';
import { layoutFor } from '../../main/core/python/layouts';
import { openRootfs } from '../../main/core/rootfs/rootfs';

/** The program's own dump: threads, then the suspended asyncio task (on no thread's stack). */
const expected = fs.readFileSync(path.join(PYWORKER_DIR, 'truth', 'expected-stacks.txt'), 'utf8');
/**
 * The frame lines of a py-spy style dump (4-space indent, no locals). The truth's `awaiting` and
 * `task._fut_waiter` lines come from repr() of C objects (compared apart).
 */
const frameLines = (text: string): string[] => text.split('\n').filter((l) => /^ {4}\S/.test(l) && !/^ {4}(awaiting |task\.)/.test(l));
const threadLines = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('Thread '));

describe('kensa py', () => {
  let python: Buffer;
  before(async () => {
    const rootfs = await openRootfs(PYWORKER_ROOTFS, { cacheDir: TEST_CACHE });
    const f = rootfs.open('/usr/bin/python3.11')!;
    python = f.src.read(0, f.src.size);
    rootfs.close();
  });

  test('every thread, innermost frame first, as the program itself listed them', () => {
    const r = kensa(['py', PYWORKER, '--rootfs', PYWORKER_ROOTFS]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(frameLines(r.stdout), frameLines(expected));
    // The truth marks the main thread "[main]"; the thread lines are otherwise identical (tid, ident, name).
    assert.deepEqual(threadLines(r.stdout), threadLines(expected).map((l) => l.replace(' [main]', '')));
    assert.match(r.stdout, /^Process 1: \/usr\/bin\/python3\.11 -B \/app\/worker\.py\nPython v3\.11\.2 \(\/usr\/bin\/python3\.11\)\n/);
    // The suspended task: its name, its loop's thread and what its innermost coroutine awaits (the same object).
    assert.ok(r.stdout.includes(`asyncio task "client-7" on thread aio-loop (suspended, not on any thread's stack), innermost first:\n    awaiting <FutureIter object at 0x7f320d71b730>\n    sleep (/usr/lib/python3.11/asyncio/tasks.py:639)\n`));
    assert.ok(expected.includes('awaiting <_asyncio.FutureIter object at 0x7f320d71b730>'));
  });

  test('--locals prints the simple values exactly as the truth does', () => {
    const r = kensa(['py', PYWORKER, '--rootfs', PYWORKER_ROOTFS, '--locals', '--pid', '1']);
    assert.equal(r.status, 0, r.stderr);
    const simple = expected.split('\n').filter((l) => /^ {8}\w+: (str|int|float|bool|dict|bytes) = /.test(l));
    assert.ok(simple.length >= 20);
    for (const l of simple) assert.ok(r.stdout.includes(l + '\n'), `missing: ${l}`);
    assert.ok(r.stdout.includes("        specs: list = [('ingest', <function ingest_loop at 0x7f320d73ed40>),"));
  });

  test('--json: threads with tid, ident, name and frames; locals with type, address and value', () => {
    const r = kensa(['py', PYWORKER, '--rootfs', PYWORKER_ROOTFS, '--json', '--locals']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { pid: number; interpreter: { version: string; runtime: string }; threads: { tid: number; name: string; ident: string; frames: { function: string; file: string; line: number; locals: { name: string; value?: { type: string; value?: unknown; address: string } }[] }[] }[] }[];
    assert.equal(out.length, 1);
    assert.equal(out[0].interpreter.version, '3.11.2');
    assert.equal(out[0].interpreter.runtime, '0xa5b740');
    assert.deepEqual(out[0].threads.map((t) => `${t.tid}=${t.name}`), ['1=MainThread', '6=ingest', '7=crunch', '8=audit', '9=aio-loop']);
    const serve = out[0].threads[0].frames[1];
    assert.deepEqual([serve.function, serve.file, serve.line], ['serve', '/app/worker.py', 129]);
    assert.deepEqual(serve.locals.find((l) => l.name === 'session_token')?.value, { type: 'str', address: '0x7f320e0b1070', repr: "'PYLOCAL-3c9e-TOKEN'", value: 'PYLOCAL-3c9e-TOKEN', size: 18 });
  });

  test('the interpreter from rootfs-diff.tar: no --rootfs needed', async () => {
    const dir = tempDir('kensa-py-diff-');
    await unpackArchive(PYWORKER, dir, TEST_CACHE);
    const stage = tempDir('kensa-py-stage-');
    fs.mkdirSync(path.join(stage, 'usr', 'bin'), { recursive: true });
    fs.writeFileSync(path.join(stage, 'usr', 'bin', 'python3.11'), python);
    tar.r({ file: path.join(dir, 'rootfs-diff.tar'), cwd: stage, sync: true }, ['usr/bin/python3.11']);
    const r = kensa(['py', dir, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { interpreter: { origin: string }; threads: unknown[] }[];
    assert.equal(out[0].interpreter.origin, 'rootfs-diff');
    assert.equal(out[0].threads.length, 5);
  });

  test('the interpreter from the ghost image of a deleted executable: no --rootfs, never the path', async () => {
    const dir = tempDir('kensa-py-ghost-');
    await unpackArchive(PYWORKER, dir, TEST_CACHE);
    const images = path.join(dir, 'checkpoint');
    // /usr/bin/python3.11 deleted while it ran: CRIU names it in remap-fpath.img and keeps it in ghost-file-1.img.
    fs.writeFileSync(path.join(images, 'remap-fpath.img'), encodeImage({ magicName: 'REMAP_FPATH', entries: [{ orig_id: fileIdOf(images, '/usr/bin/python3.11'), remap_id: 1, remap_type: 1 }] }));
    fs.writeFileSync(path.join(images, 'ghost-file-1.img'), ghostImage(python, 'chunks'));
    const r = kensa(['py', dir, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { interpreter: { origin: string; version: string }; threads: { name: string }[] }[];
    assert.deepEqual([out[0].interpreter.origin, out[0].interpreter.version], ['ghost-file', '3.11.2']);
    assert.deepEqual(out[0].threads.map((t) => t.name), ['MainThread', 'ingest', 'crunch', 'audit', 'aio-loop']);
    // A deleted executable is never taken from the rootfs: that file is another one, so --rootfs changes nothing.
    const withRootfs = kensa(['py', dir, '--json', '--rootfs', PYWORKER_ROOTFS]);
    assert.equal((JSON.parse(withRootfs.stdout) as { interpreter: { origin: string } }[])[0].interpreter.origin, 'ghost-file');
  });

  test('clear refusals: no rootfs, a process that is not Python, an unsupported version', () => {
    const noRootfs = kensa(['py', PYWORKER]);
    assert.equal(noRootfs.status, 2);
    assert.match(noRootfs.stderr, /^kensa: error: .*pid 1 runs \/usr\/bin\/python3\.11, .*--rootfs/);
    assert.equal(noRootfs.stderr.trim().split('\n').length, 1);

    const counter = fixture('podman-counter').input;
    const none = kensa(['py', counter]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^kensa: error: .*no CPython process in this checkpoint \(1 \/bin\/busybox, 6 \/home\/counter\/counter, 7 \/bin\/busybox\)\n$/);
    const one = kensa(['py', counter, '--pid', '6']);
    assert.equal(one.status, 2);
    assert.match(one.stderr, /pid 6 \(\/home\/counter\/counter\) is not a CPython process/);
    assert.equal(kensa(['py', counter, '--pid', '99']).status, 1);

    // The same binary with Py_Version changed to 3.12.0 (file offset = its address - the .rodata segment's 0x400000).
    const rootfs = tempDir('kensa-py-312-');
    fs.mkdirSync(path.join(rootfs, 'usr', 'bin'), { recursive: true });
    const patched = Buffer.from(python);
    assert.equal(patched.readUInt32LE(0x8cc3e8 - 0x400000), 0x030b02f0, 'Py_Version in the file');
    patched.writeUInt32LE(0x030c00f0, 0x8cc3e8 - 0x400000);
    fs.writeFileSync(path.join(rootfs, 'usr', 'bin', 'python3.11'), patched);
    const v312 = kensa(['py', PYWORKER, '--rootfs', rootfs]);
    assert.equal(v312.status, 2);
    assert.match(v312.stderr, /^kensa: error: .*CPython 3\.12\.0: no structure table for 3\.12 \(supported: 3\.11\); its stacks are not read rather than guessed\n$/);
    const ps = kensa(['ps', PYWORKER, '--rootfs', rootfs, '--json']);
    assert.equal(ps.status, 0, ps.stderr);
    assert.deepEqual((JSON.parse(ps.stdout) as { python: { version: string; supported: boolean } }[])[0].python.supported, false);
  });

  test('kensa ps marks Python processes: the version from Py_Version with --rootfs, from the file name without', () => {
    const withRootfs = kensa(['ps', PYWORKER, '--rootfs', PYWORKER_ROOTFS]);
    assert.equal(withRootfs.status, 0, withRootfs.stderr);
    assert.match(withRootfs.stdout.split('\n')[0], /PYTHON/);
    assert.match(withRootfs.stdout.split('\n')[2], /\/usr\/bin\/python3\.11 +3\.11\.2 +\/usr\/bin\/python3\.11 -B/);
    const byName = kensa(['ps', PYWORKER, '--json']);
    assert.deepEqual((JSON.parse(byName.stdout) as { python: unknown }[])[0].python, {
      version: '3.11',
      supported: false,
      byName: true,
      refusal: `${PYWORKER}: pid 1 runs /usr/bin/python3.11, which is neither in rootfs-diff.tar nor in a ghost image: give the image's root file system with --rootfs to read its Python stacks`.replace(/^.*?: pid/, 'pid'),
    });
    const counter = kensa(['ps', fixture('podman-counter').input, '--json']);
    assert.ok((JSON.parse(counter.stdout) as { python?: unknown }[]).every((r) => r.python === undefined));
  });

  test('a thread-state list made to loop in pages-1.img: every thread once, a warning, exit 3', async () => {
    const dir = tempDir('kensa-py-loop-');
    await unpackArchive(PYWORKER, dir, TEST_CACHE);
    const { cp, close } = await openPyworker();
    let at: number;
    let value: bigint;
    try {
      const L = layoutFor('3.11')!;
      const r = pythonStacks(cp, 1);
      const main = BigInt(r.threads[0].threadState);
      const other = BigInt(r.threads[1].threadState);
      const [e] = cp.addressSpace(1)!.extents(main + BigInt(L.thread.next), main + BigInt(L.thread.next) + 8n);
      assert.equal(e.origin, 'pages');
      at = e.srcOffset!;
      value = other;
    } finally {
      close();
    }
    const pages = path.join(dir, 'checkpoint', 'pages-1.img');
    const buf = fs.readFileSync(pages);
    assert.equal(buf.readBigUInt64LE(at), 0n, "the main thread's state is the last in the list");
    buf.writeBigUInt64LE(value, at);
    fs.writeFileSync(pages, buf);
    const r = kensa(['py', dir, '--rootfs', PYWORKER_ROOTFS]);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /^kensa: warning: pid 1: interpreter 0: the thread-state list loops back to 0x[0-9a-f]+\n$/);
    assert.deepEqual(frameLines(r.stdout), frameLines(expected));
  });
});

describe('Python stacks in reports', () => {
  test('a bookmarked Python process: its threads and frames in the JSON, HTML and PDF reports (--rootfs)', () => {
    const dir = path.join(tempDir('kensa-py-case-'), 'case');
    assert.equal(kensa(['case', 'init', dir, '--analyst', 'py', '--title', 'python stacks']).status, 0);
    assert.equal(kensa(['case', 'add', dir, PYWORKER]).status, 0);
    const note = kensa(['case', 'note', dir, '--tid', '7', '--pid', '1', '--text', 'the crunch thread']);
    assert.equal(note.status, 0, note.stderr);
    const out = path.join(tempDir('kensa-py-report-'), 'report.json');
    const r = kensa(['report', dir, '--format', 'json', '--out', out, '--rootfs', PYWORKER_ROOTFS]);
    assert.equal(r.status, 0, r.stderr);
    const model = JSON.parse(fs.readFileSync(out, 'utf8')) as { evidence: { pythonStacks?: { pid: number; version: string; threads: { tid: number; name: string; frames: { function: string; file: string; line: number }[] }[] }[] }[] };
    const py = model.evidence[0].pythonStacks;
    assert.ok(py);
    assert.equal(py.length, 1);
    assert.equal(py[0].version, '3.11.2');
    assert.deepEqual(py[0].threads.map((t) => `${t.tid} ${t.name}`), ['1 MainThread', '6 ingest', '7 crunch', '8 audit', '9 aio-loop']);
    assert.deepEqual(py[0].threads[2].frames[0], { function: 'recurse', file: '/app/crunchlib.py', line: 11 });
    const tasks = (py[0] as unknown as { tasks: { name: string; thread: string; state: string; frames: { function: string }[]; awaiting: string }[] }).tasks;
    assert.deepEqual(
      tasks.map((t) => [t.name, t.thread, t.state, t.frames.map((f) => f.function).join(' < '), t.awaiting]),
      [['client-7', 'aio-loop', 'suspended', 'sleep < read_frame < handle_client', '<FutureIter object at 0x7f320d71b730>']],
    );
    const html = path.join(path.dirname(out), 'report.html');
    assert.equal(kensa(['report', dir, '--format', 'html', '--out', html, '--rootfs', PYWORKER_ROOTFS]).status, 0);
    const text = fs.readFileSync(html, 'utf8');
    assert.ok(text.includes('Python stacks of process 1 (CPython 3.11.2, /usr/bin/python3.11)'));
    assert.ok(text.includes('Thread 7 &quot;crunch&quot;') || text.includes('Thread 7 "crunch"'));
    assert.ok(text.includes('recurse (/app/crunchlib.py:11)\nrecurse (/app/crunchlib.py:13)'));
    assert.ok(text.includes('asyncio task &quot;client-7&quot; on thread aio-loop (suspended)') || text.includes('asyncio task "client-7" on thread aio-loop (suspended)'));
    const pdf = path.join(path.dirname(out), 'report.pdf');
    assert.equal(kensa(['report', dir, '--format', 'pdf', '--out', pdf, '--rootfs', PYWORKER_ROOTFS]).status, 0);
    const pdfText = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
    assert.ok(pdfText.includes('Python stacks of process 1') && pdfText.includes('recurse (/app/crunchlib.py:11)'), 'the PDF lists the frames');
    // Without --rootfs the interpreter cannot be read: the report says why instead of listing stacks.
    const bare = path.join(path.dirname(out), 'bare.json');
    assert.equal(kensa(['report', dir, '--format', 'json', '--out', bare]).status, 0);
    const bareModel = JSON.parse(fs.readFileSync(bare, 'utf8')) as { evidence: { pythonStacks?: { error?: string }[] }[] };
    assert.match(bareModel.evidence[0].pythonStacks?.[0].error ?? '', /--rootfs/);
  });
});
