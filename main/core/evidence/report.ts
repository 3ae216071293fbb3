/**
 * Reports of a case: HTML (one self-contained file), PDF (PDFKit, fixed metadata) and JSON (for tools).
 *
 * writeReport gathers the model (report-model.ts) from the case as it stands, writes the file, and records
 * it in the custody log as a `report` entry with its SHA-256 and the action that made it. A report written
 * outside the case folder is also copied into DIR/reports/ so the case keeps what was handed out.
 * The report does not verify the evidence itself (that would put the clock into it): it states the latest
 * verification in the log; `kensa report` runs `verify()` first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KensaError } from '../errors';
import { replaceFile } from '../io/output';
import { jsonSafe } from '#shared/format';
import { EvidenceCase, type DerivedRecord } from './case';
import { buildReportModel, type ReportModel } from './report-model';
import { renderHtml } from './report-html';
import { renderPdf } from './report-pdf';
import type { Rootfs } from '../rootfs/rootfs';

export type ReportFormat = 'html' | 'pdf' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'pdf', 'json'];

export interface WriteReportOptions {
  /** Generation time to state (default SOURCE_DATE_EPOCH, else now). */
  now?: Date;
  /** The exact command or UI action recorded with the report (default: the writeReport call). */
  action?: string;
  cacheDir?: string;
  /** The image's root file system, for the Python stacks of bookmarked Python processes. */
  rootfs?: Rootfs;
}

export { buildReportModel, SENSITIVITY_STATEMENT, type ReportModel } from './report-model';
export { renderHtml, reportCsp, escapeHtml } from './report-html';
export { renderPdf, pdfText } from './report-pdf';

/** The report as bytes in one format. */
export async function renderReport(model: ReportModel, format: ReportFormat): Promise<Buffer> {
  switch (format) {
    case 'html':
      return Buffer.from(renderHtml(model), 'utf8');
    case 'pdf':
      return renderPdf(model);
    case 'json':
      return Buffer.from(JSON.stringify(jsonSafe(model), null, 2) + '\n', 'utf8');
    default:
      throw new KensaError('usage', `unknown report format ${JSON.stringify(format)} (html, pdf or json)`);
  }
}

/** Write a report of the case in `caseDir` to `outFile`, and record it in the case. */
export async function writeReport(caseDir: string, format: ReportFormat, outFile: string, opts: WriteReportOptions = {}): Promise<{ path: string; sha256: string; size: number; record: DerivedRecord }> {
  if (!REPORT_FORMATS.includes(format)) throw new KensaError('usage', `unknown report format ${JSON.stringify(format)} (html, pdf or json)`);
  const c = EvidenceCase.open(caseDir);
  // checked before anything is written (a refusal after the rename would come too late)
  let out = c.outputPath(outFile);
  const model = await buildReportModel(c, { now: opts.now, cacheDir: opts.cacheDir, ...(opts.rootfs ? { rootfs: opts.rootfs } : {}) });
  const bytes = await renderReport(model, format);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  out = c.outputPath(out); // the folders just made are real; the name is checked again right before writing
  // a fresh temporary file beside the target, renamed over it: a reader never sees half a report
  replaceFile(out, bytes);
  const action = opts.action ?? `writeReport(${JSON.stringify(c.dir)}, ${JSON.stringify(format)}, ${JSON.stringify(out)})`;
  const record = await c.recordDerivedAsync(out, action, undefined, {
    kind: 'report',
    details: { format, coversThrough: model.custody.throughSeq, generatedAt: model.generatedAt, evidence: model.evidence.map((e) => e.id) },
  });
  return { path: out, sha256: record.sha256, size: record.size, record };
}
