/**
 * Issue 10 §2: command lines as the kernel gives them (fs/proc/base.c get_mm_cmdline) and as `ps` shows them.
 * The rule on made-up memory (procCommandLine), then on checkpoints made from criu-dir's counter (pid 3) whose
 * argument and environment areas are rewritten as nginx's master (title overflowing into the environment)
 * and Redis (title padded with NULs) leave them, through `kensa inspect --json`, the inspect tree and `ps`.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { procCommandLine, visibleArguments, type ArgumentAreas } from '../../../main/core/model/cmdline';
import { kensa } from '../../helpers';
import { criuDirCopy, editMm, readMm, writeMemory } from './mm-synth';

/** Memory holding `bytes` at `base`, zeros elsewhere. */
function memory(base: bigint, bytes: Buffer): (addr: bigint, length: number) => Buffer {
  return (addr, length) => {
    const out = Buffer.alloc(length);
    const from = Number(addr - base);
    for (let i = 0; i < length; i++) if (from + i >= 0 && from + i < bytes.length) out[i] = bytes[from + i]!;
    return out;
  };
}

const BASE = 0x1000n;
function areas(argLen: number, envLen: number, gap = 0): ArgumentAreas {
  const argEnd = BASE + BigInt(argLen);
  return { argStart: BASE, argEnd, envStart: argEnd + BigInt(gap), envEnd: argEnd + BigInt(gap + envLen) };
}
const text = (b: Buffer): string => b.toString('latin1');

describe('/proc/PID/cmdline rule', () => {
  test('plain argv: exactly the argument area', () => {
    const mem = Buffer.from('ls\0-l\0\0/tmp\0A=1\0');
    const r = procCommandLine(areas(12, 4), memory(BASE, mem), 4096);
    assert.equal(text(r.raw), 'ls\0-l\0\0/tmp\0');
    assert.equal(r.retitled, false);
    assert.deepEqual(visibleArguments(r.raw).map(text), ['ls', '-l', '', '/tmp'], 'an empty argument inside argv stays');
  });

  test('a title past the argument area continues into an adjacent environment up to its first NUL', () => {
    const title = 'nginx: master process /usr/sbin/nginx -g daemon off;';
    const mem = Buffer.concat([Buffer.from(title + '\0'), Buffer.from('A=1\0'), Buffer.alloc(20)]);
    const a = areas(30, mem.length - 30);
    const r = procCommandLine(a, memory(BASE, mem), 4096);
    assert.equal(text(r.raw), title + '\0');
    assert.equal(r.retitled, true);
    assert.equal(r.envFrom, BASE + BigInt(title.length + 1), 'the environment starts after the title');
  });

  test('no overflow when the environment is not adjacent: the title stops at arg_end', () => {
    const mem = Buffer.from('nginx: master process /usr/sbin/nginx\0');
    const r = procCommandLine(areas(25, 8, 1), memory(BASE, mem), 4096);
    assert.equal(text(r.raw), 'nginx: master process /us');
    assert.equal(r.envFrom, BASE + 26n);
  });

  test('a rewritten title is the one string at arg_start: NULs inside the area end it', () => {
    const r = procCommandLine(areas(8, 4), memory(BASE, Buffer.from('ab\0cdefgh\0\0\0')), 4096);
    assert.equal(text(r.raw), 'ab\0');
    assert.equal(r.envFrom, BASE + 8n, 'the title did not reach the environment');
  });

  test('a title is at most one page, and never past env_end', () => {
    const long = Buffer.alloc(10000, 0x61);
    assert.equal(procCommandLine(areas(100, 9000), memory(BASE, long), 4096).raw.length, 4096);
    assert.equal(procCommandLine(areas(100, 50), memory(BASE, long), 4096).raw.length, 150);
  });

  test('nothing when env_end is 0 or the argument area is empty', () => {
    const mem = memory(BASE, Buffer.from('x\0'));
    assert.equal(procCommandLine({ ...areas(2, 2), envEnd: 0n, envStart: 0n }, mem, 4096).raw.length, 0);
    assert.equal(procCommandLine(areas(0, 2), mem, 4096).raw.length, 0);
  });

  test('NUL padding is not arguments (ps drops trailing NULs)', () => {
    const raw = Buffer.concat([Buffer.from('redis-server *:6379'), Buffer.alloc(49)]);
    assert.deepEqual(visibleArguments(raw).map(text), ['redis-server *:6379']);
    assert.deepEqual(visibleArguments(Buffer.alloc(9)), []);
  });
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PID = 3;

function inspectJson(dir: string): Json {
  const r = kensa(['inspect', dir, '--ps-tree', '--cmd', '--env', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const tree = (JSON.parse(r.stdout) as Json[])[0]!.process_tree as Json;
  return (tree.children as Json[]).find((c) => c.pid === PID)!;
}

describe('retitled servers in a checkpoint', () => {
  test("nginx's master: the title that overflowed into the environment is the command line, not a variable", () => {
    const dir = criuDirCopy('kensa-cmdline-nginx-');
    const mm = readMm(dir, PID);
    const argStart = BigInt(mm['mm_arg_start'] as bigint);
    const argEnd = BigInt(mm['mm_arg_end'] as bigint);
    const envEnd = BigInt(mm['mm_env_end'] as bigint);
    assert.equal(BigInt(mm['mm_env_start'] as bigint), argEnd, 'the fixture has adjacent areas, as execve leaves them');
    const title = 'nginx: master process /usr/sbin/nginx -g daemon off;';
    assert.ok(title.length > Number(argEnd - argStart), 'the title is longer than the argument area');
    // nginx moves environ away, writes the title at argv[0] and pads the rest with NULs (ngx_setproctitle);
    // two variables are left after the title here to show where the environment starts.
    const bytes = Buffer.alloc(Number(envEnd - argStart));
    Buffer.from(`${title}\0NGINX_VERSION=1.25.3\0PATH=/usr/sbin\0`).copy(bytes);
    writeMemory(dir, PID, argStart, bytes);

    const p = inspectJson(dir);
    assert.equal(p.cmdline, title);
    assert.deepEqual(p.argv, [title]);
    assert.equal(p.cmdline_raw, Buffer.from(title + '\0').toString('hex'));
    assert.deepEqual(p.environment_variables, { NGINX_VERSION: '1.25.3', PATH: '/usr/sbin' });

    const ps = kensa(['ps', dir, '--json']);
    assert.equal(ps.status, 0, ps.stderr);
    assert.equal((JSON.parse(ps.stdout) as Json[]).find((r) => r.pid === PID)!.cmdline, title);
    const tree = kensa(['inspect', dir, '--ps-tree', '--cmd']);
    assert.match(tree.stdout, new RegExp(`\\[3\\]  ${title.replace(/[./;]/g, '\\$&')}\\n`));
  });

  test("Redis: a title padded with NULs shows as ps shows it; the exact bytes stay in cmdline_raw", () => {
    const dir = criuDirCopy('kensa-cmdline-redis-');
    const mm = readMm(dir, PID);
    const argStart = BigInt(mm['mm_arg_start'] as bigint);
    const argLen = Number(BigInt(mm['mm_arg_end'] as bigint) - argStart);
    // Redis writes its title over argv[0] and clears the rest of the area: one argument, then empty ones.
    const area = Buffer.alloc(argLen);
    Buffer.from('redis-server *:6379').copy(area);
    writeMemory(dir, PID, argStart, area);

    const p = inspectJson(dir);
    assert.equal(p.cmdline, 'redis-server *:6379');
    assert.deepEqual(p.argv, ['redis-server *:6379']);
    assert.equal(p.cmdline_raw, area.toString('hex'));
    assert.equal(p.environment_variables.SHELL, '/bin/bash', 'the environment is untouched');
    const tree = kensa(['inspect', dir, '--ps-tree', '--cmd']);
    assert.match(tree.stdout, /\[3\]  redis-server \*:6379\n/);
    const ps = kensa(['ps', dir]);
    assert.match(ps.stdout, /redis-server \*:6379\n/, 'no trailing padding in the table');
  });

  test('argument areas not adjacent to the environment: nothing is taken from it', () => {
    const dir = criuDirCopy('kensa-cmdline-gap-');
    const mm = readMm(dir, PID);
    const argStart = BigInt(mm['mm_arg_start'] as bigint);
    const argEnd = BigInt(mm['mm_arg_end'] as bigint);
    editMm(dir, PID, { mm_env_start: argEnd + 1n });
    writeMemory(dir, PID, argStart, Buffer.from('nginx: master process /usr/sbin/nginx -g daemon off;\0'));
    const p = inspectJson(dir);
    assert.equal(p.cmdline, 'nginx: master process /usr/sbin/nginx -g daemon off;'.slice(0, Number(argEnd - argStart)));
  });
});
