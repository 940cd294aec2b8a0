// results/<run>/index.html: one self-contained page (inline CSS, script and SVG; nothing loaded from
// the network) for a run — its header (kernel, sysctls, counts, time, run id), a filterable table of
// the cases, and per case, drawn when opened, a ladder diagram, the field diffs, the model's reasons
// and a link to the case's pcapng. Built from summary.json's data (case-view.ts says which fields).
// Pure: the caller writes the file.
import { caseView, commonSysctls, type CaseView, type ReportSummary } from './case-view';
import { reportClient, type PageEntry } from './client';
import { escHtml, ladderSvg, relTime } from './ladder-svg';
import { REPORT_CSS } from './style';

const STATUSES = ['pass', 'fail', 'error', 'skip'] as const;

/** JSON inside <script type="application/json">: no '<' (so no '</script>'), parsed back intact. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The page's script: the functions it needs, by their own source (they are self-contained). */
function clientScript(): string {
  const src = [escHtml, relTime, ladderSvg, reportClient].map((f) => f.toString()).join('\n');
  if (/<\/script/i.test(src)) throw new Error('report client source contains </script>');
  return `${src}\nreportClient();`;
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function filterLink(key: string, value: string, text = value, cls = ''): string {
  return `<a href="#" data-f="${escHtml(key)}" data-v="${escHtml(value)}"${cls ? ` class="${cls}"` : ''}>${escHtml(text)}</a>`;
}

function options(values: readonly string[], all: string, label: (v: string) => string = (v) => v): string {
  return [`<option value="">${escHtml(all)}</option>`, ...values.map((v) => `<option value="${escHtml(v)}">${escHtml(label(v))}</option>`)].join('');
}

/** Spec sections in document order: §4.10 after §4.9. */
function bySection(a: string, b: string): number {
  const na = a.match(/\d+/g)?.map(Number) ?? [];
  const nb = b.match(/\d+/g)?.map(Number) ?? [];
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? -1) - (nb[i] ?? -1);
    if (d) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function header(s: ReportSummary, views: readonly CaseView[], common: Record<string, string>): string {
  const t = s.totals ?? { total: views.length, pass: 0, fail: 0, error: 0, skip: 0 };
  if (!s.totals) for (const v of views) if (v.st in t) (t as unknown as Record<string, number>)[v.st]++;
  const profiles = [...new Set(views.map((v) => v.profile).filter((p): p is string => !!p && p !== 'n/a'))];
  const rows: Array<[string, string]> = [
    ['kernel', escHtml(s.kernel) + (s.kernelIdentity?.version ? ` <span class="hint">${escHtml(s.kernelIdentity.version)}</span>` : '')],
    ['model profile', escHtml(profiles.join(', ') || 'n/a')],
    ['started', escHtml(s.startedAt ?? '') + (s.host ? ` on ${escHtml(s.host)}` : '')],
    [
      'took',
      escHtml(fmtMs(s.durationMs)) +
        (s.jobs ? ` · jobs ${escHtml(s.jobs)} × lanes ${escHtml(s.laneRange ? `auto ${s.laneRange.min}–${s.laneRange.max}` : (s.lanes ?? 1))}` : '') +
        (s.seed !== undefined ? ` · seed ${escHtml(s.seed)}` : '') +
        (s.reruns ? ` · ${escHtml(s.reruns)} re-run (harness late)` : ''),
    ],
    [
      'sysctls',
      Object.keys(common).length
        ? Object.entries(common)
            .map(([k, v]) => `<code>${escHtml(k)}=${escHtml(v)}</code>`)
            .join(' ')
        : '<span class="hint">the kernel\'s defaults</span>',
    ],
  ];
  if (s.shard) rows.push(['shard', escHtml(`${s.shard.index}/${s.shard.total} (${t.total} of ${s.shard.planned} case runs)`)]);
  if (s.mergedFrom?.length) rows.push(['merged from', s.mergedFrom.map((m) => `<code>${escHtml(m)}</code>`).join(' ')]);
  const counts = STATUSES.map((st) => filterLink('status', st, `${t[st]} ${st}`, `badge st-${st}`)).join('');
  rows.push(['cases', `<span class="totals">${escHtml(t.total)} · ${counts}</span>`]);
  return `<h1>synharness run <code>${escHtml(s.runId)}</code></h1><dl class="run">${rows.map(([k, v]) => `<dt>${escHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

/** The filter bar; `status` lists the status filter's values and how each reads. */
export function filters(views: readonly CaseView[], status: { values: readonly string[]; all: string; label: (v: string) => string }): string {
  const areas = [...new Set(views.map((v) => v.area))].sort();
  const specs = [...new Set(views.flatMap((v) => v.spec))].sort(bySection);
  return (
    `<div class="filters">` +
    `<select id="f-status" aria-label="status">${options(status.values, status.all, status.label)}</select>` +
    `<select id="f-area" aria-label="area">${options(areas, 'any area')}</select>` +
    `<select id="f-spec" aria-label="spec section">${options(specs, 'any spec section')}</select>` +
    `<select id="f-ip" aria-label="family">${options(['4', '6'], 'IPv4 and IPv6', (v) => `IPv${v}`)}</select>` +
    `<input id="f-q" type="search" placeholder="filter: words of the name, message, spec" aria-label="text filter">` +
    `<button id="f-clear" type="button">clear</button> <span id="shown"></span></div>`
  );
}

function row(v: CaseView, i: number): string {
  const msg = v.msg ?? '';
  return (
    `<tr class="case st-${escHtml(v.st)}" data-i="${i}">` +
    `<td>${filterLink('status', v.st, v.st, `badge st-${escHtml(v.st)}`)}</td>` +
    `<td><a href="#" class="toggle" title="${escHtml(v.id)}">${escHtml(v.name)}</a></td>` +
    `<td>${filterLink('ip', String(v.ip), `IPv${v.ip}`)}</td>` +
    `<td>${filterLink('area', v.area)}</td>` +
    `<td>${v.spec.map((sp) => filterLink('spec', sp)).join(' ')}</td>` +
    `<td>${escHtml(fmtMs(v.ms))}</td>` +
    `<td class="msg" title="${escHtml(msg)}">${escHtml(msg.length > 200 ? `${msg.slice(0, 199)}…` : msg)}</td></tr>`
  );
}

/** The page around a header, the filter bar and the case table (rows in the order of `entries`). */
export function pageHtml(title: string, head: string, bar: string, columns: readonly string[], rows: readonly string[], entries: readonly PageEntry[]): string {
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escHtml(title)}</title><style>${REPORT_CSS}</style></head><body>` +
    head +
    bar +
    `<table id="cases"><thead><tr>${columns.map((c) => `<th>${escHtml(c)}</th>`).join('')}</tr></thead><tbody>` +
    rows.join('\n') +
    `</tbody></table>` +
    `<script type="application/json" id="synh-data">${scriptJson(entries)}</script>` +
    `<script>${clientScript()}</script></body></html>\n`
  );
}

export function toHtmlReport(s: ReportSummary): string {
  const common = commonSysctls(s.cases);
  const views: PageEntry[] = s.cases.map((c) => caseView(c, common)).map((v) => (v.st === 'fail' || v.st === 'error' ? { ...v, auto: true } : v));
  const status = { values: ['failing', ...STATUSES], all: 'any status', label: (v: string) => (v === 'failing' ? 'fail or error' : v) };
  return pageHtml(
    `synharness ${s.runId}`,
    header(s, views, common),
    filters(views, status),
    ['status', 'case', 'family', 'area', 'spec', 'time', 'message'],
    views.map(row),
    views,
  );
}
