/**
 * The HTML report: one self-contained file. Inline CSS only (allowed by its SHA-256 in the CSP, so not even
 * an injected style attribute applies), no scripts, no images, no links, no fonts, no url() of any kind;
 * `default-src 'none'` forbids every load even if something slipped through. Every string is escaped for
 * HTML text (& < > " '), and archive strings go only into element text, never into attributes.
 */
import * as crypto from 'node:crypto';
import { escapeText, formatBytes } from '#shared/format';
import type { ReportModel, ReportEvidence, ReportFinding } from './report-model';
import { caseFacts, containerFacts } from './report-model';
import { pythonFrameLines, pythonTaskTitle, pythonThreadTitle } from './report-python';
import { yaraMatchLine, yaraScanLine, type ReportYara } from './report-yara';
import { triageFindingLine, triageRunLine, type ReportTriage } from './report-triage';

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1.5em; color: #1b1f24; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 2px solid #d0d7de; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
table.kv th { width: 14em; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
.hash { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: 0.6em; overflow-x: auto; white-space: pre; }
.warn { border: 2px solid #cf222e; background: #ffebe9; padding: 0.6em 0.9em; margin: 1em 0; }
.ok { color: #1a7f37; font-weight: 600; }
.bad { color: #cf222e; font-weight: 600; }
.note { border-left: 4px solid #0969da; padding: 0.2em 0.9em; margin: 1em 0; background: #f6f8fa; white-space: pre-wrap; }
.muted { color: #57606a; }
.indent1 { padding-left: 1.5em; } .indent2 { padding-left: 3em; } .indent3 { padding-left: 4.5em; } .indent4 { padding-left: 6em; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } pre { white-space: pre-wrap; } }
`;

/** The CSP: nothing may load; the one inline style block is allowed by its hash. */
export function reportCsp(css = CSS): string {
  const hash = crypto.createHash('sha256').update(css, 'utf8').digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; img-src 'none'; font-src 'none'; script-src 'none'; connect-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'`;
}

/** Text for HTML element content or attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** Archive text: control characters and bidi overrides made visible (escapeText), then HTML-escaped. */
function t(s: string | number | undefined | null): string {
  if (s === undefined || s === null) return '';
  return escapeHtml(escapeText(String(s)));
}

/** Analyst-written text: like t() but line breaks stay line breaks. */
function multiline(s: string): string {
  return s.split('\n').map((line) => t(line)).join('\n');
}

function kv(rows: [string, string | number | undefined, ('hash' | 'mono')?][]): string {
  const body = rows
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v, cls]) => `<tr><th>${t(k)}</th><td${cls ? ` class="${cls}"` : ''}>${t(v)}</td></tr>`)
    .join('\n');
  return `<table class="kv">\n${body}\n</table>`;
}

function table(headers: string[], rows: (string | number | undefined)[][], monoCols: number[] = []): string {
  if (rows.length === 0) return '<p class="muted">None.</p>';
  const head = `<tr>${headers.map((h) => `<th>${t(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${monoCols.includes(i) ? ' class="mono"' : ''}>${t(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n${head}\n${body}\n</table>`;
}

function evidenceSection(ev: ReportEvidence): string {
  const out: string[] = [];
  out.push(`<h3>${t(ev.id)}: ${t(ev.name)}</h3>`);
  const v = ev.verification;
  out.push(
    kv([
      ['Path', ev.path],
      ['Kind', ev.kind === 'folder' ? 'folder (digests of the sorted `sha256sum` manifest of its files)' : 'file'],
      ['Size', `${ev.size} bytes (${formatBytes(ev.size)})`],
      ['SHA-256', ev.sha256, 'hash'],
      ['SHA-512', ev.sha512, 'hash'],
      ['Added', ev.addedAt],
    ]),
  );
  if (v) out.push(`<p>Latest verification (custody entry ${t(v.seq)}, ${t(v.time)}): ${v.ok ? '<span class="ok">passed: the evidence is unchanged</span>' : `<span class="bad">FAILED</span>`}</p>`);
  else out.push('<p class="muted">No verification recorded since intake (run <code>kensa case verify</code>).</p>');
  if (v && !v.ok) out.push(`<div class="warn">${v.problems.map((p) => `<div>${t(p)}</div>`).join('')}</div>`);
  if (ev.files) out.push('<details><summary>Files in the folder</summary>' + table(['PATH', 'SIZE', 'SHA-256'], ev.files.map((f) => [f.path, f.size, f.sha256]), [2]) + '</details>');
  if (ev.problems.length) out.push(`<div class="warn"><strong>Unreadable parts</strong>${ev.problems.map((p) => `<div>${t(p)}</div>`).join('')}</div>`);
  if (ev.container) {
    const c = ev.container;
    out.push('<h3>Container</h3>');
    out.push(kv(containerFacts(c)));
  }
  if (ev.processes) {
    out.push('<h3>Process tree</h3>');
    out.push(
      `<table>\n<tr><th>PID</th><th>PPID</th><th>COMMAND</th><th>STATE</th><th>UID</th><th>THREADS</th><th>COMMAND LINE</th></tr>\n` +
        ev.processes
          .map(
            (p) =>
              `<tr><td>${t(p.pid)}</td><td>${t(p.ppid)}</td><td class="indent${Math.min(p.depth, 4)}">${t(p.comm)}</td><td>${t(p.state)}</td><td>${t(p.uid)}</td><td>${t(p.threads.join(', '))}</td><td class="mono">${t(p.cmdline ?? '')}${p.exe ? `<div class="muted">exe ${t(p.exe)}</div>` : ''}</td></tr>`,
          )
          .join('\n') +
        '\n</table>',
    );
  }
  if (ev.sockets || ev.networks) {
    out.push('<h3>Network and sockets</h3>');
    if (ev.networks?.length) out.push(table(['NETWORK', 'INTERFACE', 'ADDRESSES', 'GATEWAYS', 'MAC'], ev.networks.map((n) => [n.network, n.interface, n.addresses.join(', '), n.gateways.join(', '), n.mac])));
    else out.push('<p class="muted">The archive records no network configuration.</p>');
    out.push(table(['PID', 'FD', 'PROTOCOL', 'TYPE', 'STATE', 'LOCAL', 'REMOTE', 'INODE'], (ev.sockets ?? []).map((s) => [s.pid, s.fd, s.protocol ?? s.family, s.type, s.state, s.local, s.remote, s.inode]), [5, 6]));
  }
  if (ev.filesChanged || ev.filesDeleted) {
    out.push('<h3>Files changed and deleted</h3>');
    out.push('<p>Changed or added in the container (rootfs-diff.tar):</p>');
    out.push(table(['PATH', 'TYPE', 'MODE', 'SIZE', 'MODIFIED'], (ev.filesChanged ?? []).map((f) => [f.linkTarget !== undefined ? `${f.path} -> ${f.linkTarget}` : f.path, f.type, f.mode, f.size, f.mtime]), [0, 2]));
    out.push('<p>Deleted from the image (deleted.files):</p>');
    out.push(ev.filesDeleted?.length ? `<ul>${ev.filesDeleted.map((p) => `<li class="mono">${t(p)}</li>`).join('')}</ul>` : '<p class="muted">None.</p>');
  }
  for (const py of ev.pythonStacks ?? []) {
    out.push(`<h3>Python stacks of process ${t(py.pid)}${py.version ? ` (CPython ${t(py.version)}, ${t(py.binary ?? '')})` : ''}</h3>`);
    if (py.error) out.push(`<p class="muted">${t(py.error)}</p>`);
    for (const w of py.warnings) out.push(`<p class="muted">Partial: ${t(w)}</p>`);
    for (const th of py.threads) {
      out.push(`<p>${t(pythonThreadTitle(th))}</p>`);
      out.push(`<pre class="mono">${pythonFrameLines(th).map((l) => t(l)).join('\n') || '(no Python frames)'}</pre>`);
    }
    for (const task of py.tasks ?? []) {
      out.push(`<p>${t(pythonTaskTitle(task))}</p>`);
      out.push(`<pre class="mono">${pythonFrameLines(task).map((l) => t(l)).join('\n')}</pre>`);
    }
  }
  return out.join('\n');
}

function triageHtml(r: ReportTriage): string {
  const out: string[] = ['<h2>Triage findings</h2>'];
  if (r.bookmarked.length) {
    out.push('<p>Bookmarked findings, with their evidence pointers:</p>');
    for (const b of r.bookmarked) {
      out.push(`<p class="finding-${t(b.finding.severity)}">${t(b.note)}  ${t(triageFindingLine(b.finding))}</p>`);
      out.push(`<pre class="mono">${b.finding.evidence.map((e) => t(e)).join('\n') || '(no pointer)'}</pre>`);
    }
  }
  const run = r.lastRun;
  if (run) {
    out.push(`<h3>Last triage recorded</h3><p>${t(triageRunLine(run))}</p>`);
    out.push(run.findings.length ? `<pre class="mono">${run.findings.map((f) => [triageFindingLine(f), ...f.evidence.map((e) => '    ' + e)].map((l) => t(l)).join('\n')).join('\n')}</pre>` : '<p class="muted">No finding.</p>');
    if (run.total > run.findings.length) out.push(`<p class="muted">The first ${run.findings.length} of ${run.total} findings.</p>`);
  }
  return out.join('\n');
}

function yaraHtml(y: ReportYara): string {
  const out: string[] = ['<h2>YARA</h2>'];
  if (y.bookmarked.length) {
    out.push('<p>Bookmarked matches (their bytes, re-read and hashed, are among the findings):</p>');
    out.push(`<pre class="mono">${y.bookmarked.map((b) => `${t(b.finding)}  ${t(yaraMatchLine(b.match))}`).join('\n')}</pre>`);
  }
  const s = y.lastScan;
  if (s) {
    out.push(`<h3>Last scan recorded</h3><p>${t(yaraScanLine(s))}</p>`);
    out.push(table(['RULES', 'SHA-256'], s.rules.map((r) => [r.name, r.sha256]), [0, 1]));
    for (const w of s.warnings) out.push(`<p class="muted">Partial: ${t(w)}</p>`);
    out.push(s.matches.length ? `<pre class="mono">${s.matches.map((x) => t(yaraMatchLine(x))).join('\n')}</pre>` : '<p class="muted">No match.</p>');
    if (s.matchCount > s.matches.length) out.push(`<p class="muted">The first ${s.matches.length} of ${s.matchCount} matches.</p>`);
  }
  return out.join('\n');
}

function findingSection(f: ReportFinding): string {
  const out: string[] = [];
  out.push(`<h3>${t(f.id)}: ${t(f.targetText)} (${t(f.evidenceId)})</h3>`);
  out.push(`<div class="note">${multiline(f.text)}</div>`);
  out.push(`<p class="muted">Bookmarked ${t(f.time)}${f.analyst ? ` by ${t(f.analyst)}` : ''}.</p>`);
  if (f.context.length) out.push(kv(f.context.map((c) => [c.label, c.value] as [string, string])));
  if (f.excerpt) {
    const e = f.excerpt;
    const rows: [string, string | number | undefined, ('hash' | 'mono')?][] = [
      ['Bytes', `${e.length} bookmarked, first ${e.shown} shown`],
      ['SHA-256 of the range', e.sha256, 'hash'],
      ['Origin', e.origins?.join(', ')],
      ['Unchanged since bookmark', e.matchesCapture === undefined ? undefined : e.matchesCapture ? 'yes' : 'NO: the bytes read now differ from those hashed at bookmark time'],
      ['Text', e.text, 'mono'],
    ];
    out.push(kv(rows));
    out.push(`<pre>${t(e.lines.join('\n'))}</pre>`);
  }
  if (f.error) out.push(`<div class="warn">${t(f.error)}</div>`);
  return out.join('\n');
}

export function renderHtml(m: ReportModel): string {
  const title = `Kensa report: ${m.case.title ?? m.case.id}`;
  const failed = m.evidence.filter((e) => e.verification && !e.verification.ok);
  const parts: string[] = [];
  parts.push('<!DOCTYPE html>');
  parts.push('<html lang="en">');
  parts.push('<head>');
  parts.push('<meta charset="utf-8">');
  parts.push(`<meta http-equiv="Content-Security-Policy" content="${escapeHtml(reportCsp())}">`);
  parts.push('<meta name="referrer" content="no-referrer">');
  parts.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  parts.push(`<title>${t(title)}</title>`);
  parts.push(`<style>${CSS}</style>`);
  parts.push('</head>');
  parts.push('<body>');
  parts.push(`<h1>${t(title)}</h1>`);
  parts.push(kv(caseFacts(m)));
  parts.push(`<div class="warn"><strong>Sensitive material.</strong> ${t(m.sensitivity)}</div>`);
  if (failed.length) parts.push(`<div class="warn"><strong>EVIDENCE VERIFICATION FAILED</strong> for ${t(failed.map((e) => e.id).join(', '))}: see below.</div>`);
  if (!m.custody.chainOk) parts.push(`<div class="warn"><strong>THE CUSTODY LOG IS DAMAGED</strong>${m.custody.problems.map((p) => `<div>${t(p)}</div>`).join('')}</div>`);

  parts.push('<h2>Evidence</h2>');
  if (m.evidence.length === 0) parts.push('<p class="muted">The case holds no evidence.</p>');
  for (const ev of m.evidence) parts.push(evidenceSection(ev));

  parts.push('<h2>Findings</h2>');
  if (m.findings.length === 0) parts.push('<p class="muted">No bookmarks.</p>');
  for (const f of m.findings) parts.push(findingSection(f));

  if (m.triage) parts.push(triageHtml(m.triage));
  if (m.yara) parts.push(yaraHtml(m.yara));

  parts.push('<h2>Derived artifacts</h2>');
  parts.push(table(['ID', 'KIND', 'PATH', 'SIZE', 'SHA-256', 'EVIDENCE', 'PRODUCED BY', 'RECORDED'], m.derived.map((d) => [d.id, d.kind, d.copiedFrom ? `${d.path} (copy of ${d.copiedFrom})` : d.path, d.size, d.sha256, d.evidenceId, d.action, d.time]), [4, 6]));

  parts.push('<h2>Custody log</h2>');
  parts.push('<p class="muted">Each entry carries the SHA-256 of the one before it; <code>kensa case verify</code> checks the chain.</p>');
  parts.push(table(['#', 'TIME (UTC)', 'EVENT', 'ANALYST', 'WHAT', 'ENTRY HASH'], m.custody.entries.map((e) => [e.seq, e.time, e.event, e.analyst, e.summary, e.hash]), [5]));
  parts.push(`<p class="muted">${t(m.tool)}. Report format ${t(m.format)} ${t(m.version)}.</p>`);
  parts.push('</body>');
  parts.push('</html>');
  return parts.join('\n') + '\n';
}
