import type { StateCreator } from 'zustand/vanilla';
import type { KensaClient, SessionInfo } from '#shared/api/contract';
import { IDLE, type ArchiveSlice, type KensaState } from '../types';
import { fromResult, newTaskId } from './util';

/** What resets when the archive changes (everything that describes the old one). */
export function sessionReset(): Partial<KensaState> {
  return {
    overview: IDLE, processes: IDLE, hashes: IDLE,
    selectedPid: null, selectedTid: null, threads: IDLE, vmas: IDLE, fds: IDLE, cgroups: IDLE,
    view: null, search: { status: 'idle' },
    rootfs: IDLE, sockets: IDLE, mounts: IDLE, namespaces: IDLE, logs: IDLE, openMember: null, selectedSocket: null,
    triage: IDLE,
    // The host ends the gdb sessions of an archive when it closes: their pids mean other processes now.
    sessions: [], activeSession: null, heldInput: '',
  };
}

export const archiveSlice = (client: KensaClient): StateCreator<KensaState, [], [], ArchiveSlice> => (set, get) => {
  /** The session being loaded (or last loaded), so a second announcement of it waits for the same load. */
  let loading: { key: string; promise: Promise<void> } | null = null;
  return {
  connection: 'connecting',
  hello: null,
  session: null,
  overview: IDLE,
  processes: IDLE,
  hashes: IDLE,

  async init() {
    const r = await client.hello();
    if (!r.ok) {
      set({ connection: 'error' });
      get().pushError('Connecting to Kensa', r.error);
      return;
    }
    set({ connection: 'ready', hello: r.value });
    await get().applySession(r.value.session);
    await get().refreshCase();
  },

  async openArchive(path, rootfs) {
    const r = await get().runTask(`Opening ${path}`, (taskId) => client.openArchive({ path, taskId, ...(rootfs ? { rootfs } : {}) }));
    if (!r.ok) return false;
    // The host also announces the new session as an event; applying it here too makes the open awaitable.
    await get().applySession(r.value);
    return true;
  },

  async pickAndOpen() {
    const r = await client.pickArchive();
    if (!r.ok) {
      get().pushError('Choosing an archive', r.error);
      return;
    }
    if (r.value) await get().openArchive(r.value);
  },

  async closeArchive() {
    const r = await client.closeArchive();
    if (!r.ok) get().pushError('Closing the archive', r.error);
    else if (get().session) await get().applySession(null);
  },

  async applySession(session: SessionInfo | null) {
    // The same session can arrive twice (our own open's reply and the host's event): load it once, and
    // let both callers wait for that one load.
    const key = session ? `${session.archive}\n${session.openedAt}` : '';
    if (key && loading?.key === key) {
      set({ session: { ...session!, problems: session!.problems } });
      return loading.promise;
    }
    set({ session, ...sessionReset() });
    // Whether the new archive is evidence in the open case (and which) changes with it.
    void get().refreshCase();
    if (!session) {
      loading = null;
      return;
    }
    // The first page after opening an archive: what looks wrong in it (issue 11).
    set({ panel: 'findings' });
    const promise = (async () => {
      set({ overview: { status: 'loading' }, processes: { status: 'loading' } });
      const [overview, processes] = await Promise.all([client.overview(), client.processes()]);
      if (loading?.key !== key) return;
      set({ overview: fromResult(overview), processes: fromResult(processes) });
      if (processes.ok && processes.value.length && get().selectedPid === null) await get().selectProcess(processes.value[0].pid);
    })();
    loading = { key, promise };
    return promise;
  },

  async hashEvidence() {
    set({ hashes: { status: 'loading' } });
    const session = get().session;
    const r = await get().runTask('Hashing the evidence (SHA-256)', (taskId) => client.hashEvidence({ taskId }));
    if (get().session !== session) return;
    set({ hashes: fromResult(r) });
    if (r.ok) {
      const ov = get().overview;
      if (ov.value) {
        const known = new Set(ov.value.hashes.map((h) => h.path));
        set({ overview: { ...ov, value: { ...ov.value, hashes: [...ov.value.hashes, ...r.value.filter((h) => !known.has(h.path))] } } });
      }
    }
  },
};
};

export { newTaskId };
