import type { StateCreator } from 'zustand/vanilla';
import type { KensaClient } from '#shared/api/contract';
import { IDLE, type CaseSlice, type KensaState } from '../types';
import { fromResult } from './util';

export const caseSlice = (client: KensaClient): StateCreator<KensaState, [], [], CaseSlice> => (set, get) => {
  /**
   * The case's state is asked for again after every change (an archive opened, a note saved), and answers
   * can come back out of order: only the newest question's answer is kept, and a state a case action
   * returned outdates every question asked before it (else an older answer showed the evidence id of the
   * archive open before).
   */
  let asked = 0;
  const setCaseInfo = (caseInfo: KensaState['caseInfo'], extra: Partial<KensaState> = {}): void => {
    asked++;
    set({ caseInfo, ...extra });
  };
  return {
  caseInfo: IDLE,
  verification: IDLE,
  lastReport: null,

  async refreshCase() {
    const question = ++asked;
    const r = await client.caseStatus();
    if (question === asked) set({ caseInfo: fromResult(r) });
  },

  async openCase(dir, create, analyst, title) {
    const r = await client.caseOpen({ dir, create, ...(analyst ? { analyst } : {}), ...(title ? { title } : {}) });
    if (!r.ok) {
      get().pushError(create ? 'Creating the case' : 'Opening the case', r.error);
      return false;
    }
    setCaseInfo({ status: 'ready', value: r.value }, { verification: IDLE, lastReport: null });
    return true;
  },

  async addEvidence() {
    const r = await get().runTask('Adding the archive to the case (hashing)', (taskId) => client.caseAddEvidence({ taskId }));
    if (!r.ok) return;
    setCaseInfo({ status: 'ready', value: r.value });
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
};
};
