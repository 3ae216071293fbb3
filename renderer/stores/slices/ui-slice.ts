import type { StateCreator } from 'zustand/vanilla';
import type { KensaClient } from '#shared/api/contract';
import type { KensaState, UiSlice } from '../types';
import { newTaskId } from './util';

let noticeId = 0;
/** How long an error notice stays (long enough to read two lines twice). */
export const NOTICE_MS = 12_000;

export const uiSlice = (client: KensaClient): StateCreator<KensaState, [], [], UiSlice> => (set, get) => ({
  panel: 'findings',
  theme: 'dark',
  tasks: [],
  notices: [],
  noteDraft: null,
  focusFd: null,

  async openFd(pid, fd) {
    if (get().selectedPid !== pid) await get().selectProcess(pid);
    set({ focusFd: { pid, fd }, panel: 'files' });
  },

  setPanel(panel) {
    set({ panel });
  },

  setTheme(theme) {
    set({ theme });
  },

  pushError(context, error) {
    noticeId += 1;
    // Keep the last few: a stream of the same failure must not bury the screen.
    set({ notices: [...get().notices.slice(-2), { id: noticeId, context, error }] });
    // A notice reports an action that failed; it goes away by itself (what stays wrong is shown in its panel).
    const id = noticeId;
    const timer = setTimeout(() => get().dismissNotice(id), NOTICE_MS) as unknown as { unref?: () => void };
    timer.unref?.(); // in Node (the store's tests) a pending notice must not keep the process alive
  },

  dismissNotice(id) {
    set({ notices: get().notices.filter((n) => n.id !== id) });
  },

  taskProgress(e) {
    const tasks = get().tasks;
    if (!tasks.some((t) => t.taskId === e.taskId)) return;
    set({ tasks: tasks.map((t) => (t.taskId === e.taskId ? { ...t, phase: e.phase, done: e.done, total: e.total } : t)) });
  },

  async runTask(label, work) {
    const taskId = newTaskId('task');
    set({ tasks: [...get().tasks, { taskId, label, phase: 'starting', done: 0, total: 0 }] });
    try {
      const r = await work(taskId);
      if (!r.ok && r.error.kind !== 'cancelled') get().pushError(label, r.error);
      return r;
    } finally {
      set({ tasks: get().tasks.filter((t) => t.taskId !== taskId) });
    }
  },

  async cancelTask(taskId) {
    const r = await client.cancel({ taskId });
    if (!r.ok) get().pushError('Cancelling', r.error);
  },

  beginNote(target, label) {
    const c = get().caseInfo.value;
    set({ noteDraft: { target, label, archive: get().session?.archive, evidenceId: c?.archiveEvidenceId, text: '' } });
  },

  setNoteText(text) {
    const d = get().noteDraft;
    if (d) set({ noteDraft: { ...d, text } });
  },

  cancelNote() {
    set({ noteDraft: null });
  },
});
