/**
 * Reports written from the workstation: where they go (the case's reports/ folder, one file per report, named
 * by the time it was written so none replaces another) and, for browser mode, the one file a
 * `/case-reports/NAME` request may read back: a plain file name directly inside reports/, a regular file
 * there (no link out of the folder), never anything else of the case.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPORTS_DIR } from '../core/evidence/case';
import { RequestError, str } from './results';

/** What a report file name may be: the names reportOutFile makes, and names the CLI's `--out` gives there. */
const REPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/** `DIR/reports/report-YYYYMMDDTHHMMSSZ.FORMAT` (UTC). */
export function reportOutFile(caseDir: string, format: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return path.join(caseDir, REPORTS_DIR, `report-${stamp}.${format}`);
}

/** The name a report has in reports/, when it was written there (the link the workstation shows). */
export function reportName(caseDir: string, file: string): string | undefined {
  const rel = path.relative(path.join(caseDir, REPORTS_DIR), file);
  return REPORT_NAME.test(rel) ? rel : undefined;
}

/** The report file called `name` in the case's reports/ folder, or undefined when there is none such. */
export function caseReportFile(caseDir: string | undefined, name: string): string | undefined {
  if (caseDir === undefined || !REPORT_NAME.test(name)) return undefined;
  try {
    const dir = fs.realpathSync(path.join(caseDir, REPORTS_DIR));
    const file = path.join(dir, name);
    const st = fs.lstatSync(file);
    return st.isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Open the case's report `name` with the host's viewer (Electron's shell.openPath, handed in by the shell;
 * it answers '' or why it could not). Only a file caseReportFile accepts is ever handed to it.
 */
export async function openCaseReport(caseDir: string | undefined, name: unknown, openPath: ((file: string) => Promise<string>) | undefined): Promise<null> {
  if (!openPath) throw new RequestError('there is no system viewer in browser mode: use the "Open the report" link');
  if (caseDir === undefined) throw new RequestError('no case is open');
  const file = caseReportFile(caseDir, str(name, 'name', 256));
  if (!file) throw new RequestError(`no report ${JSON.stringify(name)} in the case's ${REPORTS_DIR}/ folder`);
  const why = await openPath(file);
  if (why) throw new RequestError(`the report ${file} could not be opened: ${why}`);
  return null;
}
