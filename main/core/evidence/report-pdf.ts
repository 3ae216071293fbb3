/**
 * The PDF report, made offline in Node with PDFKit (no browser).
 *
 * Same bytes for the same case: the document information dictionary takes CreationDate from the case's
 * creation and ModDate from the last custody entry the report covers; the trailer /ID is derived from the
 * case id and that entry's hash (PDFKit would otherwise hash the info dictionary including the clock);
 * only the standard 14 fonts are used (nothing embedded, nothing read from the host's font folders); and the
 * generation time appears once, as page text. Content streams are deflated by zlib, which is deterministic.
 *
 * Archive strings are drawn as text and nothing else: made visible with escapeText (control characters,
 * escapes, bidi overrides), and characters outside what the standard fonts encode (WinAnsi: printable ASCII
 * and Latin-1) shown as \u{...} escapes. The HTML and JSON reports carry such text verbatim.
 */
import * as crypto from 'node:crypto';
import PDFDocument from 'pdfkit';
import { escapeText, formatBytes } from '#shared/format';
import type { ReportEvidence, ReportFinding, ReportModel } from './report-model';
import { caseFacts, containerFacts } from './report-model';
import { pythonFrameLines, pythonTaskTitle, pythonThreadTitle } from './report-python';
import { yaraMatchLine, yaraScanLine, type ReportYara } from './report-yara';
import { triageFindingLine, triageRunLine, type ReportTriage } from './report-triage';

const PAGE_MARGIN = 50;
const LABEL_WIDTH = 125;
const BODY = 9.5;
const SMALL = 8;
const MONO = 7.5;

/** Text safe for the standard fonts: visible escapes for controls, \u{...} beyond Latin-1. */
export function pdfText(s: string | number | undefined | null): string {
  if (s === undefined || s === null) return '';
  let out = '';
  for (const ch of escapeText(String(s))) {
    const c = ch.codePointAt(0)!;
    out += (c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c <= 0xff) ? ch : `\\u{${c.toString(16)}}`;
  }
  return out;
}

class PdfWriter {
  readonly doc: PDFKit.PDFDocument;
  private readonly left = PAGE_MARGIN;
  private readonly width: number;

  constructor(doc: PDFKit.PDFDocument) {
    this.doc = doc;
    this.width = doc.page.width - 2 * PAGE_MARGIN;
  }

  private ensureSpace(height: number): void {
    const bottom = this.doc.page.height - this.doc.page.margins.bottom;
    if (this.doc.y + height > bottom) this.doc.addPage();
  }

  h1(text: string): void {
    this.doc.font('Helvetica-Bold').fontSize(18).fillColor('#000000').text(pdfText(text), this.left, this.doc.y, { width: this.width });
    this.doc.moveDown(0.4);
  }

  h2(text: string): void {
    this.ensureSpace(60);
    this.doc.moveDown(0.8);
    this.doc.font('Helvetica-Bold').fontSize(14).fillColor('#000000').text(pdfText(text), this.left, this.doc.y, { width: this.width });
    const y = this.doc.y + 2;
    this.doc.moveTo(this.left, y).lineTo(this.left + this.width, y).lineWidth(0.8).strokeColor('#888888').stroke();
    this.doc.moveDown(0.5);
  }

  h3(text: string): void {
    this.ensureSpace(40);
    this.doc.moveDown(0.5);
    this.doc.font('Helvetica-Bold').fontSize(11).fillColor('#000000').text(pdfText(text), this.left, this.doc.y, { width: this.width });
    this.doc.moveDown(0.25);
  }

  para(text: string, opts: { size?: number; color?: string; font?: string; indent?: number } = {}): void {
    const indent = opts.indent ?? 0;
    this.doc
      .font(opts.font ?? 'Helvetica')
      .fontSize(opts.size ?? BODY)
      .fillColor(opts.color ?? '#000000')
      .text(text, this.left + indent, this.doc.y, { width: this.width - indent });
  }

  /** Label / value rows; values are archive text (escaped here). */
  kv(rows: [string, string | number | undefined, 'mono'?][]): void {
    for (const [label, raw, mono] of rows) {
      if (raw === undefined || raw === '') continue;
      const value = String(raw)
        .split('\n')
        .map((l) => pdfText(l))
        .join('\n');
      const valueWidth = this.width - LABEL_WIDTH;
      this.doc.font(mono ? 'Courier' : 'Helvetica').fontSize(mono ? SMALL : BODY);
      const h = Math.max(this.doc.heightOfString(value, { width: valueWidth }), 12);
      this.ensureSpace(Math.min(h, 200));
      const y = this.doc.y;
      this.doc.font('Helvetica-Bold').fontSize(BODY).fillColor('#333333').text(pdfText(label), this.left, y, { width: LABEL_WIDTH - 8 });
      const afterLabel = this.doc.y;
      this.doc.font(mono ? 'Courier' : 'Helvetica').fontSize(mono ? SMALL : BODY).fillColor('#000000').text(value, this.left + LABEL_WIDTH, y, { width: valueWidth });
      this.doc.y = Math.max(afterLabel, this.doc.y) + 1.5;
      this.doc.x = this.left;
    }
  }

  mono(lines: string[], size = MONO): void {
    this.doc.font('Courier').fontSize(size).fillColor('#000000');
    for (const line of lines) {
      this.ensureSpace(size + 2);
      this.doc.text(pdfText(line), this.left + 6, this.doc.y, { width: this.width - 6, lineBreak: true });
    }
    this.doc.x = this.left;
  }

  warn(lines: string[]): void {
    for (const l of lines) this.para(pdfText(l), { color: '#b00020', font: 'Helvetica-Bold' });
  }

  muted(text: string): void {
    this.para(pdfText(text), { color: '#555555', size: SMALL });
  }

  gap(lines = 0.4): void {
    this.doc.moveDown(lines);
  }
}

function evidencePdf(w: PdfWriter, ev: ReportEvidence): void {
  w.h3(`${ev.id}: ${ev.name}`);
  w.kv([
    ['Path', ev.path],
    ['Kind', ev.kind === 'folder' ? 'folder (digests of the sorted sha256sum manifest of its files)' : 'file'],
    ['Size', `${ev.size} bytes (${formatBytes(ev.size)})`],
    ['SHA-256', ev.sha256, 'mono'],
    // 128 hex digits do not fit one line: split at the middle rather than let the wrapper pick a place.
    ['SHA-512', `${ev.sha512.slice(0, 64)}\n${ev.sha512.slice(64)}`, 'mono'],
    ['Added', ev.addedAt],
  ]);
  const v = ev.verification;
  if (v) {
    if (v.ok) w.para(pdfText(`Latest verification (custody entry ${v.seq}, ${v.time}): passed, the evidence is unchanged.`), { color: '#1a7f37' });
    else w.warn([`Latest verification (custody entry ${v.seq}, ${v.time}): FAILED`, ...v.problems]);
  } else w.muted('No verification recorded since intake (run kensa case verify).');
  if (ev.files) {
    w.gap(0.3);
    w.muted('Files in the folder (path, size, SHA-256):');
    w.mono(ev.files.flatMap((f) => [`${f.path}  ${f.size}`, `  ${f.sha256}`]));
  }
  if (ev.problems.length) w.warn(['Unreadable parts:', ...ev.problems]);
  if (ev.container) {
    const c = ev.container;
    w.h3('Container');
    w.kv(containerFacts(c));
  }
  if (ev.processes) {
    w.h3('Process tree');
    for (const p of ev.processes) {
      const indent = Math.min(p.depth, 6) * 14;
      w.para(pdfText(`${p.pid}  ${p.comm}  (${p.state}; parent ${p.ppid}; uid ${p.uid ?? '?'}; threads ${p.threads.join(', ')})`), { indent, font: 'Helvetica-Bold', size: BODY });
      if (p.cmdline !== undefined) w.para(pdfText(p.cmdline), { indent: indent + 10, font: 'Courier', size: SMALL });
      if (p.exe !== undefined) w.para(pdfText(`exe ${p.exe}`), { indent: indent + 10, size: SMALL, color: '#555555' });
    }
  }
  if (ev.sockets || ev.networks) {
    w.h3('Network and sockets');
    if (ev.networks?.length) {
      for (const n of ev.networks) w.para(pdfText(`${n.network} ${n.interface}: ${n.addresses.join(', ')}${n.gateways.length ? `, gateway ${n.gateways.join(', ')}` : ''}${n.mac ? `, MAC ${n.mac}` : ''}`));
    } else w.muted('The archive records no network configuration.');
    if (ev.sockets?.length) {
      for (const s of ev.sockets) w.para(pdfText(`pid ${s.pid} fd ${s.fd}: ${s.protocol ?? s.family} ${s.type}${s.state ? ' ' + s.state : ''}${s.local ? ' ' + s.local : ''}${s.remote ? ' -> ' + s.remote : ''}${s.inode !== undefined ? ` (inode ${s.inode})` : ''}`), { font: 'Courier', size: SMALL });
    } else w.muted('No sockets.');
  }
  if (ev.filesChanged || ev.filesDeleted) {
    w.h3('Files changed and deleted');
    w.muted('Changed or added in the container (rootfs-diff.tar):');
    if (ev.filesChanged?.length) {
      for (const f of ev.filesChanged) w.para(pdfText(`${f.mode} ${String(f.size).padStart(9)} ${f.mtime ?? ''}  ${f.path}${f.linkTarget !== undefined ? ' -> ' + f.linkTarget : ''}`), { font: 'Courier', size: SMALL });
    } else w.muted('None.');
    w.muted('Deleted from the image (deleted.files):');
    if (ev.filesDeleted?.length) for (const p of ev.filesDeleted) w.para(pdfText(p), { font: 'Courier', size: SMALL });
    else w.muted('None.');
  }
  for (const py of ev.pythonStacks ?? []) {
    w.h3(pdfText(`Python stacks of process ${py.pid}${py.version ? ` (CPython ${py.version}, ${py.binary ?? ''})` : ''}`));
    if (py.error) w.muted(pdfText(py.error));
    for (const warning of py.warnings) w.muted(pdfText(`Partial: ${warning}`));
    for (const th of py.threads) {
      w.para(pdfText(pythonThreadTitle(th)), { font: 'Helvetica-Bold', size: BODY });
      const lines = pythonFrameLines(th);
      if (!lines.length) w.muted('(no Python frames)');
      for (const l of lines) w.para(pdfText(l), { indent: 14, font: 'Courier', size: SMALL });
    }
    for (const task of py.tasks ?? []) {
      w.para(pdfText(pythonTaskTitle(task)), { font: 'Helvetica-Bold', size: BODY });
      for (const l of pythonFrameLines(task)) w.para(pdfText(l), { indent: 14, font: 'Courier', size: SMALL });
    }
  }
}

function triagePdf(w: PdfWriter, r: ReportTriage): void {
  w.h2('Triage findings');
  if (r.bookmarked.length) {
    w.muted('Bookmarked findings, with their evidence pointers:');
    for (const b of r.bookmarked) {
      w.para(pdfText(`${b.note}  ${triageFindingLine(b.finding)}`));
      for (const e of b.finding.evidence) w.para(pdfText(e), { indent: 14, font: 'Courier', size: SMALL });
    }
  }
  const run = r.lastRun;
  if (run) {
    w.h3('Last triage recorded');
    w.para(pdfText(triageRunLine(run)));
    if (!run.findings.length) w.muted('No finding.');
    for (const f of run.findings) {
      w.para(pdfText(triageFindingLine(f)), { font: 'Courier', size: SMALL });
      for (const e of f.evidence) w.para(pdfText(e), { indent: 14, font: 'Courier', size: SMALL });
    }
    if (run.total > run.findings.length) w.muted(`The first ${run.findings.length} of ${run.total} findings.`);
  }
}

function yaraPdf(w: PdfWriter, y: ReportYara): void {
  w.h2('YARA');
  if (y.bookmarked.length) {
    w.muted('Bookmarked matches (their bytes, re-read and hashed, are among the findings):');
    for (const b of y.bookmarked) w.para(pdfText(`${b.finding}  ${yaraMatchLine(b.match)}`), { font: 'Courier', size: SMALL });
  }
  const s = y.lastScan;
  if (s) {
    w.h3('Last scan recorded');
    w.para(pdfText(yaraScanLine(s)));
    for (const r of s.rules) w.para(pdfText(`${r.sha256}  ${r.name}`), { font: 'Courier', size: SMALL });
    for (const warning of s.warnings) w.muted(pdfText(`Partial: ${warning}`));
    if (!s.matches.length) w.muted('No match.');
    for (const x of s.matches) w.para(pdfText(yaraMatchLine(x)), { font: 'Courier', size: SMALL });
    if (s.matchCount > s.matches.length) w.muted(`The first ${s.matches.length} of ${s.matchCount} matches.`);
  }
}

function findingPdf(w: PdfWriter, f: ReportFinding): void {
  w.h3(`${f.id}: ${f.targetText} (${f.evidenceId})`);
  w.para(
    f.text
      .split('\n')
      .map((l) => pdfText(l))
      .join('\n'),
    { font: 'Helvetica-Oblique', size: 10.5 },
  );
  w.muted(`Bookmarked ${f.time}${f.analyst ? ` by ${f.analyst}` : ''}.`);
  w.gap(0.2);
  w.kv(f.context.map((c) => [c.label, c.value] as [string, string]));
  if (f.excerpt) {
    const e = f.excerpt;
    w.kv([
      ['Bytes', `${e.length} bookmarked, first ${e.shown} shown`],
      ['SHA-256 of the range', e.sha256, 'mono'],
      ['Origin', e.origins?.join(', ')],
      ['Unchanged since bookmark', e.matchesCapture === undefined ? undefined : e.matchesCapture ? 'yes' : 'NO: the bytes read now differ from those hashed at bookmark time'],
      ['Text', e.text, 'mono'],
    ]);
    w.gap(0.2);
    w.mono(e.lines);
  }
  if (f.error) w.warn([f.error]);
}

/** Render the report as PDF bytes. */
export function renderPdf(m: ReportModel): Promise<Buffer> {
  const last = m.custody.entries[m.custody.entries.length - 1];
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: PAGE_MARGIN, bottom: PAGE_MARGIN + 10, left: PAGE_MARGIN, right: PAGE_MARGIN },
    bufferPages: true,
    compress: true,
    // PDF 1.3: PDFKit then writes no XMP packet (it would copy the title into XML unescaped).
    pdfVersion: '1.3',
    info: {
      Title: pdfText(`Kensa report: ${m.case.title ?? m.case.id}`),
      Author: pdfText(m.case.analyst),
      Subject: `Evidence report for case ${m.case.id}, custody entries 1-${m.custody.throughSeq}`,
      Keywords: 'checkpoint, CRIU, forensics, evidence',
      Creator: m.tool,
      Producer: `${m.tool} (PDFKit)`,
      CreationDate: new Date(m.case.created),
      ModDate: new Date(last?.time ?? m.case.created),
    },
  });
  // Trailer /ID from the case and the last covered entry, not from the clock (see the file comment).
  (doc as unknown as { _id: Uint8Array })._id = crypto.createHash('sha256').update(`${m.case.id}\n${m.custody.headHash}`).digest().subarray(0, 16);

  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const w = new PdfWriter(doc);
  w.h1(`Kensa report: ${m.case.title ?? m.case.id}`);
  w.kv(caseFacts(m));
  w.gap(0.5);
  w.para('Sensitive material.', { font: 'Helvetica-Bold', color: '#b00020' });
  w.para(pdfText(m.sensitivity), { color: '#b00020' });
  const failed = m.evidence.filter((e) => e.verification && !e.verification.ok);
  if (failed.length) w.warn([`EVIDENCE VERIFICATION FAILED for ${failed.map((e) => e.id).join(', ')}: see below.`]);
  if (!m.custody.chainOk) w.warn(['THE CUSTODY LOG IS DAMAGED:', ...m.custody.problems]);

  w.h2('Evidence');
  if (m.evidence.length === 0) w.muted('The case holds no evidence.');
  for (const ev of m.evidence) evidencePdf(w, ev);

  w.h2('Findings');
  if (m.findings.length === 0) w.muted('No bookmarks.');
  for (const f of m.findings) findingPdf(w, f);

  if (m.triage) triagePdf(w, m.triage);
  if (m.yara) yaraPdf(w, m.yara);

  w.h2('Derived artifacts');
  if (m.derived.length === 0) w.muted('None.');
  for (const d of m.derived) {
    w.h3(`${d.id}: ${d.path}`);
    w.kv([
      ['Kind', d.kind],
      ['Size', `${d.size} bytes`],
      ['SHA-256', d.sha256, 'mono'],
      ['Evidence', d.evidenceId],
      ['Produced by', d.action, 'mono'],
      ['Copy of', d.copiedFrom],
      ['Recorded', d.time],
    ]);
  }

  w.h2('Custody log');
  w.muted('Each entry carries the SHA-256 of the one before it; kensa case verify checks the chain.');
  w.gap(0.3);
  for (const e of m.custody.entries) {
    w.para(pdfText(`#${e.seq}  ${e.time}  ${e.event}${e.analyst ? '  ' + e.analyst : ''}`), { font: 'Helvetica-Bold', size: SMALL });
    w.para(pdfText(e.summary), { size: SMALL, indent: 10 });
    w.para(pdfText(`entry hash ${e.hash}`), { font: 'Courier', size: 6.5, indent: 10, color: '#555555' });
    w.gap(0.15);
  }
  w.gap(0.5);
  w.muted(`${m.tool}. Report format ${m.format} ${m.version}.`);

  // Footer on every page. Writing below the bottom margin would start a new page, so lift the margin first.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(7)
      .fillColor('#555555')
      .text(pdfText(`Kensa report, case ${m.case.id}. Sensitive: contains process memory. Page ${i + 1} of ${range.count}`), PAGE_MARGIN, doc.page.height - PAGE_MARGIN + 5, { width: doc.page.width - 2 * PAGE_MARGIN, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
