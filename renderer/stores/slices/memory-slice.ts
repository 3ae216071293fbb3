import type { StateCreator } from 'zustand/vanilla';
import type { KensaClient, Result, VmaInfo } from '#shared/api/contract';
import type { KensaState, MemorySlice } from '../types';

/**
 * The longest text "search memory for this" sends (a log line, a command line, a selection); the search
 * service takes longer patterns, but a needle this long is a paste gone wrong.
 */
const SEARCH_FOR_MAX = 4096;

function containing(vmas: VmaInfo[], address: bigint): VmaInfo | undefined {
  return vmas.find((v) => BigInt(v.start) <= address && address < BigInt(v.end));
}

export const memorySlice = (client: KensaClient): StateCreator<KensaState, [], [], MemorySlice> => (set, get) => ({
  view: null,
  search: { status: 'idle' },

  showVma(pid, vma) {
    const start = BigInt(vma.start);
    set({ view: { pid, start, end: BigInt(vma.end), cursor: start, selection: null, serial: (get().view?.serial ?? 0) + 1 } });
  },

  async jumpTo(pid, address, length = 0) {
    if (get().selectedPid !== pid) await get().selectProcess(pid);
    const vmas = get().vmas;
    if (vmas.status !== 'ready' || !vmas.value) {
      return { ok: false, error: vmas.error ?? { kind: 'usage', message: `the memory map of process ${pid} is not loaded` } };
    }
    const vma = containing(vmas.value, address);
    if (!vma) return { ok: false, error: { kind: 'usage', message: `0x${address.toString(16)} is not mapped in process ${pid}` } };
    const end = BigInt(vma.end);
    const selEnd = address + BigInt(length) < end ? address + BigInt(length) : end;
    set({
      view: {
        pid,
        start: BigInt(vma.start),
        end,
        cursor: address,
        selection: length > 0 ? { start: address, end: selEnd } : null,
        serial: (get().view?.serial ?? 0) + 1,
      },
    });
    return { ok: true, value: null } as Result<null>;
  },

  setCursor(address, extend = false) {
    const v = get().view;
    if (!v) return;
    const cursor = address < v.start ? v.start : address >= v.end ? v.end - 1n : address;
    let selection = v.selection;
    if (extend) {
      const anchor = v.selection ? (v.selection.start === v.cursor ? v.selection.end - 1n : v.selection.start) : v.cursor;
      selection = anchor <= cursor ? { start: anchor, end: cursor + 1n } : { start: cursor, end: anchor + 1n };
    } else selection = null;
    set({ view: { ...v, cursor, selection } });
  },

  setSelection(selection) {
    const v = get().view;
    if (v) set({ view: { ...v, selection } });
  },

  async runSearch(request) {
    if (get().search.status === 'running') await get().cancelSearch();
    set({ search: { status: 'running', request, streamed: [] } });
    const r = await get().runTask('Searching memory', (id) => {
      if (get().search.request === request) set({ search: { ...get().search, taskId: id } });
      return client.search({ ...request, taskId: id });
    });
    if (get().search.request !== request) return;
    if (r.ok) set({ search: { status: 'done', request, result: r.value } });
    else set({ search: { status: r.error.kind === 'cancelled' ? 'cancelled' : 'error', request, error: r.error } });
  },

  async cancelSearch() {
    const s = get().search;
    const task = get().tasks.find((t) => t.label === 'Searching memory');
    if (s.status === 'running' && task) await get().cancelTask(task.taskId);
  },

  async showAddress(pid, address, length = 0) {
    const r = await get().jumpTo(pid, address, length);
    if (!r.ok) {
      get().pushError(`Showing 0x${address.toString(16)}`, r.error);
      return false;
    }
    get().setPanel('memory');
    return true;
  },

  async searchMemoryFor(raw) {
    const text = raw.trim().slice(0, SEARCH_FOR_MAX);
    if (!text) return;
    get().setPanel('memory');
    await get().runSearch({ pattern: { text }, maxHits: 1000, context: 16 });
  },

  searchHitsArrived(e) {
    const s = get().search;
    if (s.status !== 'running' || s.taskId !== e.taskId) return;
    set({ search: { ...s, streamed: (s.streamed ?? []).concat(e.hits) } });
  },

  async openHit(index) {
    const s = get().search;
    const hit = (s.result?.hits ?? s.streamed)?.[index];
    if (!hit) return;
    set({ search: { ...get().search, activeHit: index } });
    const r = await get().jumpTo(hit.pid, BigInt(hit.address), hit.length);
    if (!r.ok) get().pushError('Opening the search hit', r.error);
  },
});
