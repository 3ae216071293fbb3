import type { StateCreator } from 'zustand/vanilla';
import type { KensaClient, Result } from '#shared/api/contract';
import { IDLE, type DetailsSlice, type KensaState } from '../types';
import { fromResult } from './util';

export const detailsSlice = (client: KensaClient): StateCreator<KensaState, [], [], DetailsSlice> => (set, get) => ({
  rootfs: IDLE,
  sockets: IDLE,
  mounts: IDLE,
  namespaces: IDLE,
  logs: IDLE,
  openMember: null,
  selectedSocket: null,

  async ensureDetail(name) {
    if (get()[name].status !== 'idle' || !get().session) return;
    const session = get().session;
    set({ [name]: { status: 'loading' } } as Partial<KensaState>);
    const calls: Record<typeof name, () => Promise<Result<unknown>>> = {
      rootfs: () => client.rootfsTree(),
      sockets: () => client.sockets({}),
      mounts: () => client.mounts(),
      namespaces: () => client.namespaces(),
      logs: () => client.logs(),
    };
    const r = await calls[name]();
    const now = await client.session();
    if (get().session?.openedAt !== session?.openedAt) return;
    if (now.ok && now.value && now.value.openedAt === session?.openedAt) set({ session: now.value });
    set({ [name]: fromResult(r) } as Partial<KensaState>);
  },

  openFile(member) {
    set({ openMember: member });
  },

  async selectSocket(pid, fd, withProcess = false) {
    set({ selectedSocket: { pid, fd }, panel: 'network' });
    if (withProcess && get().selectedPid !== pid) await get().selectProcess(pid);
  },
});
