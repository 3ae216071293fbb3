import type { StateCreator } from 'zustand/vanilla';
import type { KensaClient } from '#shared/api/contract';
import { IDLE, type KensaState, type TriageSlice } from '../types';
import { fromResult } from './util';

const TASK_LABEL = 'Triage';

/** The Findings page's triage of the open archive, and following a finding's evidence to its panel. */
export const triageSlice = (client: KensaClient): StateCreator<KensaState, [], [], TriageSlice> => (set, get) => ({
  triage: IDLE,

  async runTriage() {
    const session = get().session;
    if (!session || get().triage.status === 'loading') return;
    set({ triage: { status: 'loading' } });
    const r = await get().runTask(TASK_LABEL, (taskId) => client.triage({ taskId }));
    if (get().session?.openedAt !== session.openedAt) return;
    set({ triage: fromResult(r) });
  },

  async openEvidence(e) {
    switch (e.kind) {
      case 'vma':
      case 'memory': {
        const r = await get().jumpTo(e.pid, BigInt(e.kind === 'vma' ? e.start : e.address), e.kind === 'memory' ? Math.min(e.length, 1 << 20) : 0);
        if (!r.ok) get().pushError('Opening the evidence', r.error);
        else get().setPanel('memory');
        return;
      }
      case 'socket':
        await get().selectSocket(e.pid, e.fd, true);
        return;
      case 'fd':
        await get().selectProcess(e.pid);
        get().setPanel('files');
        return;
      case 'file':
        if (e.member && e.member.startsWith('rootfs-diff.tar/')) get().openFile(e.member);
        get().setPanel('files');
        return;
      case 'process':
      case 'env':
        await get().selectProcess(e.pid);
        get().setPanel('processes');
        return;
    }
  },
});
