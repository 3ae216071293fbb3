import type { StateCreator } from 'zustand/vanilla';
import type { KensaClient } from '#shared/api/contract';
import { IDLE, type CaseSlice, type KensaState } from '../types';
import { fromResult } from './util';

export const caseSlice = (client: KensaClient): StateCreator<KensaState, [], [], CaseSlice> => (set, get) => ({
  caseInfo: IDLE,
  verification: IDLE,
  lastReport: null,

  async refreshCase() {
    set({ caseInfo: fromResult(await client.caseStatus()) });
  },

  async openCase(dir, create, analyst, title) {
    const r = await client.caseOpen({ dir, create, ...(analyst ? { analyst } : {}), ...(title ? { title } : {}) });
    if (!r.ok) {
      get().pushError(create ? 'Creating the case' : 'Opening the case', r.error);
      return false;
    }
    set({ caseInfo: { status: 'ready', value: r.value }, verification: IDLE, lastReport: null });
    return true;
  },

  async addEvidence() {
    const r = await get().runTask('Adding the archive to the case (hashing)', (taskId) => client.caseAddEvidence({ taskId }));
    if (!r.ok) return;
    set({ caseInfo: { status: 'ready', value: r.value } });
    // A triage run made before the case existed is recorded in it now (the services keep the result).
    if (get().triage.status === 'ready') void client.triage({});
    // A note begun before the archive was added is about this evidence now.
    const d = get().noteDraft;
    if (d && d.archive === get().session?.archive && r.value.archiveEvidenceId) set({ noteDraft: { ...d, evidenceId: r.value.archiveEvidenceId } });
  },

  async verifyCase() {
    set({ verification: { status: 'loading' } });
    const r = await get().runTask('Verifying the case', (taskId) => client.caseVerify({ taskId }));
    set({ verification: fromResult(r) });
  },

  async saveNote(text) {
    const draft = get().noteDraft;
    if (!draft) return false;
    // The evidence as it was when the note was begun: the host refuses the note if another archive is open now.
    const r = await client.addNote({ text, target: draft.target, ...(draft.evidenceId ? { evidenceId: draft.evidenceId } : {}) });
    if (!r.ok) {
      get().pushError('Adding to the report', r.error);
      return false;
    }
    set({ noteDraft: null });
    await get().refreshCase();
    return true;
  },

  async writeReport(format) {
    const r = await get().runTask(`Writing the ${format.toUpperCase()} report`, (taskId) => client.writeReport({ format, taskId }));
    if (r.ok) set({ lastReport: r.value });
  },
});
