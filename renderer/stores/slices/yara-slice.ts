import type { StateCreator } from 'zustand/vanilla';
import type { KensaClient } from '#shared/api/contract';
import type { KensaState, YaraSlice } from '../types';

const TASK_LABEL = 'YARA scan';

/** The YARA panel's scan (one at a time, run as a task with progress and cancel) and its matches. */
export const yaraSlice = (client: KensaClient): StateCreator<KensaState, [], [], YaraSlice> => (set, get) => ({
  yara: { status: 'idle' },

  async runYara(request) {
    if (get().yara.status === 'running') await get().cancelYara();
    set({ yara: { status: 'running', request } });
    const r = await get().runTask(TASK_LABEL, (id) => client.yaraScan({ ...request, taskId: id }));
    if (get().yara.request !== request) return;
    if (r.ok) set({ yara: { status: 'done', request, result: r.value } });
    else set({ yara: { status: r.error.kind === 'cancelled' ? 'cancelled' : 'error', request, error: r.error } });
  },

  async cancelYara() {
    const task = get().tasks.find((t) => t.label === TASK_LABEL);
    if (get().yara.status === 'running' && task) await get().cancelTask(task.taskId);
  },

  async openYaraMatch(index) {
    const m = get().yara.result?.matches[index];
    if (!m) return;
    set({ yara: { ...get().yara, activeMatch: index } });
    if (m.pid === undefined) {
      // A file: a changed file opens in the Files panel's viewer; a deleted file is listed there.
      if (m.file?.startsWith('rootfs-diff.tar/')) get().openFile(m.file);
      get().setPanel('files');
      return;
    }
    const r = await get().jumpTo(m.pid, BigInt(m.address), m.string ? m.length : 0);
    if (!r.ok) {
      get().pushError('Opening the YARA match', r.error);
      return;
    }
    get().setPanel('memory');
  },
});
