import type { StateCreator } from 'zustand/vanilla';
import type { KensaClient } from '#shared/api/contract';
import { IDLE, type KensaState, type ProcessSlice } from '../types';
import { fromResult } from './util';

export const processSlice = (client: KensaClient): StateCreator<KensaState, [], [], ProcessSlice> => (set, get) => ({
  selectedPid: null,
  selectedTid: null,
  threads: IDLE,
  vmas: IDLE,
  fds: IDLE,
  cgroups: IDLE,

  async selectProcess(pid) {
    if (get().selectedPid === pid && get().threads.status !== 'idle') return;
    const loading = { status: 'loading' as const };
    set({ selectedPid: pid, selectedTid: null, threads: loading, vmas: loading, fds: loading, cgroups: loading });
    const [threads, vmas, fds, cgroups] = await Promise.all([client.threads({ pid }), client.vmas({ pid }), client.fds({ pid }), client.cgroups({ pid })]);
    // A later selection wins: answers for a process no longer selected are dropped.
    if (get().selectedPid !== pid) return;
    // Reading these images may have met broken ones: the session's problem list says which.
    const session = await client.session();
    if (get().selectedPid !== pid) return;
    if (session.ok && session.value && get().session?.openedAt === session.value.openedAt) set({ session: session.value });
    set({
      threads: fromResult(threads),
      vmas: fromResult(vmas),
      fds: fromResult(fds),
      cgroups: fromResult(cgroups),
      selectedTid: threads.ok && threads.value.length ? threads.value[0].tid : null,
    });
    // The hex view follows the selected process: its first VMA with content, unless it already shows this pid.
    const view = get().view;
    if (vmas.ok && (!view || view.pid !== pid)) {
      const first = vmas.value.find((v) => v.present > 0) ?? vmas.value[0];
      if (first) get().showVma(pid, first);
      else set({ view: null });
    }
  },

  selectThread(tid) {
    set({ selectedTid: tid });
  },
});
