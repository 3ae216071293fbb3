/**
 * `kensa core` and `kensa gdb` through the real binary: what --json reports against the files written, what
 * is left out without a rootfs, usage errors, gdb on a core with the rootfs, the case folder, and exit 5
 * naming the package when gdb is missing.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fixture, kensa, tempDir } from '../helpers';
import { readCoreFile } from '../unit/elfcore/elf-reader';
import { EvidenceCase } from '../../main/core/evidence/case';
import { CoreEntryMarch, type CoreEntry } from '../../main/core/criu/index';
import { writeSyntheticCheckpoint } from '../unit/elfcore/synthetic';

interface CoreJson {
  pid: number;
  comm: string;
  path: string;
  size: number;
  sha256: string;
  threads: number[];
  segments: number;
  bytes: Record<string, number>;
  missing: { start: string; end: string; reason: string; file?: string }[];
}

const crio = fixture('crio-counter');
const crioRootfs = path.join(crio.ref, 'rootfs.tar.zst');

describe('kensa core', () => {
  test('--json: path, size, sha256, threads, segments and bytes by source, as written', () => {
    const out = tempDir('kensa-core-cli-');
    const r = kensa(['core', crio.input, '--rootfs', crioRootfs, '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as CoreJson[];
    assert.deepEqual(rows.map((x) => x.pid), [1, 6, 7]);
    for (const row of rows) {
      assert.equal(row.path, path.join(fs.realpathSync(out), `core.${row.pid}`));
      const bytes = fs.readFileSync(row.path);
      assert.equal(row.size, bytes.length);
      assert.equal(row.sha256, crypto.createHash('sha256').update(bytes).digest('hex'));
      assert.deepEqual(row.threads, [row.pid]);
      const core = readCoreFile(row.path);
      assert.equal(row.segments, core.loads.length);
      assert.equal(Object.values(row.bytes).reduce((a, b) => a + b, 0), Number(core.loads.reduce((n, l) => n + l.memsz, 0n)));
      assert.ok(row.bytes.pages > 0 && row.bytes.rootfs > 0 && row.bytes.zero > 0, JSON.stringify(row.bytes));
      assert.deepEqual(row.missing, []);
    }
    assert.equal(rows[1].comm, 'counter');
  });

  test('--no-hash writes the same core without hashing it', () => {
    const f = fixture('podman-counter');
    const hashed = tempDir('kensa-core-cli-');
    const plain = tempDir('kensa-core-cli-');
    const a = kensa(['core', f.input, '--pid', '6', '--out', hashed, '--json']);
    const b = kensa(['core', f.input, '--pid', '6', '--out', plain, '--json', '--no-hash']);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    const [ra] = JSON.parse(a.stdout) as CoreJson[];
    const [rb] = JSON.parse(b.stdout) as CoreJson[];
    assert.match(ra.sha256, /^[0-9a-f]{64}$/);
    assert.equal(rb.sha256, undefined);
    assert.ok(fs.readFileSync(ra.path).equals(fs.readFileSync(rb.path)));
  });

  test('without a rootfs: file-backed pages found nowhere are left out and listed, exit 0', () => {
    const f = fixture('criu-dir');
    const out = tempDir('kensa-core-cli-');
    const r = kensa(['core', f.input, '--pid', '3', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const [row] = JSON.parse(r.stdout) as CoreJson[];
    assert.equal(row.bytes.rootfs, undefined);
    assert.ok(row.bytes['missing-file'] > 0);
    const files = new Set(row.missing.map((m) => m.file));
    for (const want of ['/srv/kensa-demo/counter', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2']) assert.ok(files.has(want), want);
    const leftOut = row.missing.reduce((n, m) => n + Number(BigInt(m.end) - BigInt(m.start)), 0);
    assert.equal(leftOut, row.bytes['missing-file']);
    // Left out means not in the file: the core is smaller than with the rootfs.
    const core = readCoreFile(row.path);
    assert.ok(core.loads.some((l) => BigInt(l.filesz) < l.memsz));

    const human = kensa(['core', f.input, '--pid', '3', '--out', out]);
    assert.equal(human.status, 0);
    assert.match(human.stdout, /^PID\s+COMM\s+THREADS\s+SEGMENTS\s+SIZE\s+SHA256\s+PATH$/m);
    assert.match(human.stdout, /left out .*give --rootfs/);
    assert.match(human.stdout, /^ {2}\/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6 \(/m);
  });

  test('a process without memory images (a zombie): warned about, the others written, exit 3', () => {
    const dir = tempDir('kensa-core-zombie-');
    const threadCore = (tid: number, state: number): CoreEntry =>
      ({
        mtype: CoreEntryMarch.X86_64,
        thread_info: { clear_tid_addr: 0n, gpregs: { ip: 0x401000n, sp: 0x7ffc0000n, mode: 1 }, fpregs: { cwd: 0x37f, swd: 0, twd: 0, fop: 0, rip: 0n, rdp: 0n, mxcsr: 0x1f80, mxcsr_mask: 0xffff } },
        tc: { task_state: state, exit_code: 0, personality: 0, flags: 0, blk_sigset: 0n, comm: `p${tid}` },
      }) as CoreEntry;
    const images = writeSyntheticCheckpoint(path.join(dir, 'images'), [
      { pid: 1, threads: [{ tid: 1, core: threadCore(1, 1) }], vmas: [{ start: 0x400000n, end: 0x401000n, prot: 3, flags: 0x22, status: 0x201 }], runs: [], auxv: [6n, 4096n] },
      { pid: 2, ppid: 1, threads: [{ tid: 2, core: threadCore(2, 2) }], vmas: [], runs: [], auxv: [] },
    ]);
    fs.rmSync(path.join(images, 'mm-2.img'));
    fs.rmSync(path.join(images, 'pagemap-2.img'));
    const out = path.join(dir, 'out');
    const r = kensa(['core', images, '--out', out, '--json']);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /^kensa: warning: pid 2 \(p2\) has no memory images .*no core written$/m);
    assert.deepEqual((JSON.parse(r.stdout) as CoreJson[]).map((x) => x.pid), [1]);
    assert.deepEqual(fs.readdirSync(out), ['core.1']);
    const one = kensa(['core', images, '--pid', '2', '--out', out]);
    assert.equal(one.status, 2, 'asked for by pid: an error');
    assert.match(one.stderr, /no memory images/);
  });

  test('usage errors exit 1', () => {
    const out = tempDir('kensa-core-cli-');
    assert.equal(kensa(['core', crio.input]).status, 1, 'no --out');
    const r = kensa(['core', crio.input, '--pid', '99', '--out', out]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no process 99/);
    assert.equal(kensa(['gdb', crio.input]).status, 1, 'gdb needs exactly one --pid');
    const bare = fixture('criu-dir').input;
    const inside = kensa(['core', bare, '--pid', '3', '--out', path.join(bare, 'cores')]);
    assert.equal(inside.status, 1, 'an --out inside an evidence folder');
    assert.match(inside.stderr, /inside the evidence folder/);
    assert.ok(!fs.existsSync(path.join(bare, 'cores')));
    assert.deepEqual(fs.readdirSync(out), []);
  });
});

describe('kensa gdb', () => {
  test('runs gdb on the core with the sysroot and executable from the rootfs: a symbolized backtrace', () => {
    const cache = tempDir('kensa-gdb-cache-');
    const r = kensa(['gdb', crio.input, '--pid', '6', '--rootfs', crioRootfs, '--batch', '--ex', 'bt', '--ex', 'info sharedlibrary'], { cache });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^#0 .* in __libc_accept \(fd=fd@entry=3/m);
    assert.match(r.stdout, /^#1 .* in main \(.*\) at counter\.c:37$/m);
    assert.match(r.stdout, /\/lib\/x86_64-linux-gnu\/libc\.so\.6$/m, 'libc loaded from the sysroot');
    assert.doesNotMatch(r.stdout + r.stderr, /warning/i);
    const cores = fs.readdirSync(path.join(cache, 'cores'));
    assert.equal(cores.length, 1, 'the core went to the cache');
    assert.ok(fs.existsSync(path.join(cache, 'cores', cores[0], 'core.6')));
    // The cache was empty, so the sysroot was extracted by this run: its executable must not be newer than
    // the core (gdb would say "exec file is newer than core file"; it compares whole seconds, so writing
    // the core first made that warning depend on a second boundary).
    const [sysroot] = fs.readdirSync(path.join(cache, 'sysroots'));
    const exe = fs.statSync(path.join(cache, 'sysroots', sysroot!, 'home', 'app', 'counter'));
    const core = fs.statSync(path.join(cache, 'cores', cores[0]!, 'core.6'));
    assert.ok(core.mtimeMs >= exe.mtimeMs, `core written at ${core.mtime.toISOString()}, executable at ${exe.mtime.toISOString()}`);
  });

  test('an executable newer than the core is what gdb warns about, and kensa gdb never gives it one', () => {
    // The warning this guards against, shown deliberately: the same exe made one minute newer than the core.
    const out = tempDir('kensa-gdb-mtime-');
    const r = kensa(['gdb', crio.input, '--pid', '6', '--rootfs', crioRootfs, '--out', out, '--batch', '--ex', 'info inferiors']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /newer than core/);
    const exe = /^\*?\s*1\s+process 6\s.*?(\/\S+)\s*$/m.exec(r.stdout)?.[1];
    assert.ok(exe && fs.existsSync(exe), `gdb's executable:\n${r.stdout}`);
    const late = path.join(out, 'late-exe');
    fs.copyFileSync(exe, late);
    const coreTime = fs.statSync(path.join(out, 'core.6')).mtime;
    fs.utimesSync(late, coreTime, new Date(coreTime.getTime() + 60_000));
    const g = spawnSync('gdb', ['-nx', '-q', '-batch', late, path.join(out, 'core.6')], { encoding: 'utf8' });
    assert.match(g.stdout + g.stderr, /exec file is newer than core file/);
  });

  test('--case: the core is written to the case and recorded with its hash', async () => {
    const dir = path.join(tempDir('kensa-gdb-case-'), 'case');
    const kase = EvidenceCase.init(dir, { analyst: 'test' });
    await kase.addEvidence(crio.input);
    const r = kensa(['gdb', crio.input, '--pid', '7', '--case', dir, '--batch', '--ex', 'info threads']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /LWP 7/);
    const [rec] = EvidenceCase.open(dir).derived();
    assert.ok(rec, 'a derived record');
    const file = path.join(dir, rec.path);
    assert.match(rec.path, /^derived\/gdb-core-7\/core\.7$/);
    assert.equal(rec.sha256, crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
    assert.match(rec.action, /^kensa gdb .* --pid 7$/);
  });

  test('gdb missing: exit 5 naming the Debian package, before anything is written', () => {
    const cache = tempDir('kensa-gdb-cache-');
    const r = kensa(['gdb', crio.input, '--pid', '6'], { cache, env: { PATH: '' } });
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stderr, /^kensa: error: .*gdb.* not found on PATH \(Debian package: gdb\)$/m);
    assert.ok(!fs.existsSync(path.join(cache, 'cores')));
  });
});
