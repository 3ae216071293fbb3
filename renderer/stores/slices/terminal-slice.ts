import type { StateCreator } from 'zustand/vanilla';
import type { KensaClient } from '#shared/api/contract';
import type { KensaState, TerminalSlice } from '../types';

export const terminalSlice = (client: KensaClient): StateCreator<KensaState, [], [], TerminalSlice> => (set, get) => ({
  sessions: [],
  activeSession: null,
  gdbStarting: false,
  gdbError: null,
  heldInput: '',

  holdInput(data) {
    // Bounded: a key held down while the core is written must not grow without end.
    set({ heldInput: (get().heldInput + data).slice(-4096) });
  },

  async startGdb(pid, cols, rows, input = '') {
    set({ gdbStarting: true, gdbError: null, heldInput: input });
    const r = await get().runTask(`Starting gdb on process ${pid} (writing its core)`, (taskId) => client.gdbStart({ pid, cols, rows, taskId }));
    if (!r.ok) {
      set({ gdbStarting: false, gdbError: r.error, heldInput: '' });
      return;
    }
    const s = r.value;
    // The session may already have exited (gdbExit can arrive before the reply).
    const exited = get().sessions.find((x) => x.sessionId === s.sessionId);
    set({
      gdbStarting: false,
      sessions: [...get().sessions.filter((x) => x.sessionId !== s.sessionId), { sessionId: s.sessionId, pid: s.pid, archive: s.archive, argv: s.argv, corePath: s.corePath, status: exited?.status ?? 'running', ...(exited?.exitCode !== undefined ? { exitCode: exited.exitCode } : {}) }],
      activeSession: s.sessionId,
    });
  },

  async gdbType(pid, text) {
    get().setPanel('terminal');
    const running = get().sessions.find((s) => s.pid === pid && s.status === 'running');
    if (!running) {
      // The terminal fits itself to the panel once shown (gdbResize); these are only the first size.
      await get().startGdb(pid, 120, 30, text);
      return;
    }
    set({ activeSession: running.sessionId });
    const r = await client.gdbInput({ sessionId: running.sessionId, data: text });
    if (!r.ok) get().pushError('Typing into gdb', r.error);
  },

  async killGdb(sessionId) {
    const r = await client.gdbKill({ sessionId });
    if (!r.ok && get().sessions.find((s) => s.sessionId === sessionId)?.status === 'running') get().pushError('Stopping gdb', r.error);
  },

  setActiveSession(sessionId) {
    set({ activeSession: sessionId });
  },

  gdbExited(e) {
    const known = get().sessions.some((s) => s.sessionId === e.sessionId);
    // An unknown session's exit matters only while one is starting (the exit can beat the gdbStart reply);
    // otherwise it is a session of an archive closed since, already gone from the list.
    if (!known && !get().gdbStarting) return;
    const sessions = known
      ? get().sessions.map((s) => (s.sessionId === e.sessionId ? { ...s, status: 'exited' as const, exitCode: e.exitCode, ...(e.signal !== undefined ? { signal: e.signal } : {}) } : s))
      : [...get().sessions, { sessionId: e.sessionId, pid: -1, archive: '', argv: [], corePath: '', status: 'exited' as const, exitCode: e.exitCode }];
    set({ sessions });
  },
});
