// `synh compare A B --html FILE`: the compare report with the run page's look — both runs at the top,
// then one row per case with what changed (regression, fix, behaviour change explained or not, only in
// one run, the same), filterable like the run page, and each case opening to both runs' ladders, diffs
// and reasons side by side. Pure: the caller reads the runs and writes the file.
import { because, changeText, summaryLine, where } from '../../../lib/compare/format';
import type { CompareReport, RunSide } from '../../../lib/compare/compare';
import { caseView, commonSysctls, type CaseView, type ReportSummary } from './case-view';
import type { PageEntry } from './client';
import { escHtml } from './ladder-svg';
import { filterLink, filters, fmtMs, pageHtml } from './page';

export interface CompareSide {
  summary: ReportSummary;
  /** The run directory relative to the page's folder ('' for the same folder): pcap links go through it. */
  linkBase: string;
}

/** What changed in a case, as the status filter offers it. */
export const CHANGE_KINDS = ['regression', 'fix', 'unexplained', 'explained', 'status change', 'only in A', 'only in B', 'same'] as const;
type ChangeKind = (typeof CHANGE_KINDS)[number];

/** The badge colour of each kind: the run page's status colours. */
const KIND_CLASS: Record<ChangeKind, string> = {
  regression: 'st-fail',
  fix: 'st-pass',
  unexplained: 'st-error',
  explained: 'st-skip',
  'status change': 'st-error',
  'only in A': 'st-skip',
  'only in B': 'st-skip',
  same: 'st-skip',
};

function views(side: CompareSide): Map<string, CaseView> {
  const common = commonSysctls(side.summary.cases);
  const base = side.linkBase.replace(/\/+$/, '');
  return new Map(
    side.summary.cases.map((c) => {
      const v = caseView(c, common);
      return [c.id, v.pcap && base ? { ...v, pcap: `${base}/${v.pcap}` } : v];
    }),
  );
}

function runBox(name: string, s: RunSide): string {
  const counts = (['pass', 'fail', 'error', 'skip'] as const).map((st) => `<span class="badge st-${st}">${s.counts[st]} ${st}</span>`).join(' ');
  return (
    `<div><h4>${escHtml(name)}: ${escHtml(s.label)}</h4><dl class="run">` +
    `<dt>run</dt><dd><code>${escHtml(s.runId)}</code></dd><dt>kernel</dt><dd>${escHtml(s.kernel)}</dd>` +
    `<dt>model profile</dt><dd>${escHtml(s.profile)}</dd><dt>cases</dt><dd>${escHtml(s.counts.total)} · ${counts}</dd></dl></div>`
  );
}

export function toCompareHtml(r: CompareReport, a: CompareSide, b: CompareSide): string {
  const va = views(a);
  const vb = views(b);
  const ids = [...va.keys(), ...[...vb.keys()].filter((id) => !va.has(id))];
  const kind = new Map<string, ChangeKind>();
  const lines = new Map<string, string[]>();
  const note = (id: string, k: ChangeKind, line: string): void => {
    if (!kind.has(id) || CHANGE_KINDS.indexOf(k) < CHANGE_KINDS.indexOf(kind.get(id)!)) kind.set(id, k);
    lines.set(id, [...(lines.get(id) ?? []), line]);
  };
  for (const s of r.regressions) note(s.id, 'regression', `${s.from} → ${s.to}${s.message ? `: ${s.message}` : ''}`);
  for (const s of r.fixes) note(s.id, 'fix', `${s.from} → ${s.to}${s.message ? ` (was: ${s.message})` : ''}`);
  for (const s of r.otherStatus) note(s.id, 'status change', `${s.from} → ${s.to}${s.message ? `: ${s.message}` : ''}`);
  for (const c of r.changes) note(c.id, c.explained ? 'explained' : 'unexplained', `${where(c)}: ${changeText(c)} — ${because(c)}`);
  for (const id of r.onlyA) note(id, 'only in A', 'only in A');
  for (const id of r.onlyB) note(id, 'only in B', 'only in B');

  const entries: PageEntry[] = ids.map((id) => {
    const sa = va.get(id) ?? null;
    const sb = vb.get(id) ?? null;
    const base = (sb ?? sa)!;
    const k = kind.get(id) ?? 'same';
    const changes = lines.get(id) ?? [];
    return {
      ...base,
      arrows: [],
      steps: [],
      st: k,
      ...(changes.length ? { msg: changes[0] } : { msg: undefined }),
      sides: [sa, sb],
      sideNames: [`A: ${r.a.label}`, `B: ${r.b.label}`],
      changes,
      ...(k === 'regression' || k === 'unexplained' ? { auto: true } : {}),
    };
  });
  const rows = entries.map((e, i) => {
    const [sa, sb] = e.sides!;
    const st = (v: CaseView | null): string => (v ? `<span class="badge st-${escHtml(v.st)}">${escHtml(v.st)}</span>` : '<span class="hint">—</span>');
    const msg = e.msg ?? '';
    return (
      `<tr class="case ${KIND_CLASS[e.st as ChangeKind]}" data-i="${i}">` +
      `<td>${filterLink('status', e.st, e.st, `badge ${KIND_CLASS[e.st as ChangeKind]}`)}</td>` +
      `<td>${st(sa)} → ${st(sb)}</td>` +
      `<td><a href="#" class="toggle" title="${escHtml(e.id)}">${escHtml(e.name)}</a></td>` +
      `<td>${filterLink('ip', String(e.ip), `IPv${e.ip}`)}</td>` +
      `<td>${filterLink('area', e.area)}</td>` +
      `<td>${e.spec.map((sp) => filterLink('spec', sp)).join(' ')}</td>` +
      `<td>${escHtml(fmtMs(sa?.ms))} → ${escHtml(fmtMs(sb?.ms))}</td>` +
      `<td class="msg" title="${escHtml(msg)}">${escHtml(msg.length > 200 ? `${msg.slice(0, 199)}…` : msg)}</td></tr>`
    );
  });
  const head = `<h1>synharness compare</h1><div class="runs">${runBox('A', r.a)}${runBox('B', r.b)}</div><p>${escHtml(summaryLine(r))}</p>`;
  const status = { values: CHANGE_KINDS, all: 'any change (or none)', label: (v: string) => v };
  return pageHtml(
    `synharness compare ${r.a.label} → ${r.b.label}`,
    head,
    filters(entries, status),
    ['change', 'status A → B', 'case', 'family', 'area', 'spec', 'time A → B', 'what changed'],
    rows,
    entries,
  );
}
