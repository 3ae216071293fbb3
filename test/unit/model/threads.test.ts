/**
 * The typed thread record (main/core/model/threads.ts) against crit's decoding of the same core images
 * (test/fixtures/threads: one process, threads 1, 6, 7, 8, x86_64 with AVX-512): every general register as
 * the typed register file and the flat view hold it, the FP/XSAVE state, the machine, and the process-wide
 * task entry that only the leader's core carries (the core writer takes pr_psinfo and the leader's signal
 * mask from it).
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { CoreEntryMarch } from '../../../main/core/criu/messages.generated';
import { fixture, readJson, TEST_CACHE } from '../../helpers';
import * as path from 'node:path';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('thread records', () => {
  test('registers by architecture match crit for every thread of the threads fixture', async () => {
    const fx = fixture('threads');
    const cp = await Checkpoint.open(fx.input, { cacheDir: TEST_CACHE });
    try {
      const threads = cp.threads(1);
      assert.deepEqual(threads.map((t) => t.tid), [1, 6, 7, 8]);
      for (const t of threads) {
        const ref = readJson<Json>(path.join(fx.ref, 'crit', `core-${t.tid}.json`)).entries[0];
        assert.equal(t.machine, CoreEntryMarch.X86_64);
        assert.equal(t.arch, 'x86_64');
        const file = t.registers;
        assert.equal(file.arch, 'x86_64', `thread ${t.tid}`);
        if (file.arch !== 'x86_64') continue;
        const gp = ref.thread_info.gpregs as Record<string, string>;
        for (const [name, hex] of Object.entries(gp)) {
          if (name === 'mode') continue;
          const key = name as keyof typeof file.gpregs;
          assert.equal(file.gpregs[key], BigInt(hex), `thread ${t.tid} ${name}`);
          assert.equal(t.regs[name], BigInt(hex), `thread ${t.tid} flat ${name}`);
        }
        assert.equal(file.gpregs.mode, 1, 'NATIVE');
        const xs = ref.thread_info.fpregs.xsave as Json;
        assert.equal(file.fpregs?.xsave?.ymmh_space?.length, xs.ymmh_space.length);
        assert.equal(file.fpregs?.xsave?.hi16_zmm?.length, xs.hi16_zmm.length);
        assert.equal(file.fpregs?.mxcsr, Number(ref.thread_info.fpregs.mxcsr));
        // task_core_entry is in the leader's core only; no thread had a private signal pending.
        assert.equal(t.task !== undefined, t.tid === 1);
        assert.equal(t.pendingSignals, 0n);
        assert.equal(t.blockedSignals, BigInt(ref.thread_core.blk_sigset ?? ref.tc?.blk_sigset));
      }
    } finally {
      cp.close();
    }
  });
});
