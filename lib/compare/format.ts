// The compare report as text (laid out like an LKFT report mail: the two runs, summary counts, then
// regressions, fixes, behaviour changes) and as Markdown for a mailing-list reply or a PR. Pure.
import type { BehaviourChange, CompareReport, RunSide, StatusChange } from './compare';

function runLine(s: RunSide): string {
  return `${s.label}: run ${s.runId}, kernel ${s.kernel}, model profile ${s.profile}${s.comparable ? '' : ' (made by an older synharness: statuses only)'}`;
}

export function where(c: BehaviourChange): string {
  return `step ${c.step}, ${c.dir === 'dut' ? 'DUT' : 'peer'} packet ${c.packet + 1} on flow ${c.flow}`;
}

export function changeText(c: BehaviourChange): string {
  switch (c.kind) {
    case 'appeared':
      return `packet appeared in B: ${c.what}`;
    case 'vanished':
      return `packet vanished in B: ${c.what}`;
    case 'timer':
      return `timer moved: sent at ${c.a} → ${c.b} (${c.what})`;
    case 'field':
      return `${c.field}: ${c.a} → ${c.b} (${c.what})`;
  }
}

export function because(c: BehaviourChange): string {
  if (!c.explained) return `unexplained: ${c.why}`;
  const e = c.explanation!;
  if (e.pacing) return `the model predicts it in the run that has it (rule ${e.rules.join(', ')}): the steps were paced differently`;
  const flags = e.flags.map((f) => `profile flag ${f.flag} ${String(f.a)} → ${String(f.b)} (${f.summary})`);
  const sysctls = e.sysctls.map((s) => `sysctl ${s.name} ${s.a ?? '(unset)'} → ${s.b ?? '(unset)'}`);
  return `explained: ${[...flags, ...sysctls].join('; ')}; rule ${e.rules.join(', ')}`;
}

function byCase(list: readonly BehaviourChange[]): Map<string, BehaviourChange[]> {
  const m = new Map<string, BehaviourChange[]>();
  for (const c of list) {
    let l = m.get(c.id);
    if (!l) m.set(c.id, (l = []));
    l.push(c);
  }
  return m;
}

function statusLine(s: StatusChange): string {
  return `${s.id}: ${s.from} → ${s.to}${s.message ? ` — ${s.message}` : ''}`;
}

export function summaryLine(r: CompareReport): string {
  const unexplained = r.changes.filter((c) => !c.explained).length;
  return (
    `${r.regressions.length} regression(s), ${r.fixes.length} fix(es), ${unexplained} unexplained and ${r.changes.length - unexplained} explained behaviour change(s) ` +
    `in ${r.compared} case(s) passing on both; ${r.onlyA.length} only in A, ${r.onlyB.length} only in B` +
    (r.paced.length ? `; ${r.paced.length} timer packet(s) came or went with the pacing` : '')
  );
}

const STATUSES = ['total', 'pass', 'fail', 'error', 'skip'] as const;

/** The behaviour-change sections of a report, in the order both formats print them: title, changes. */
function changeSections(r: CompareReport): Array<[string, BehaviourChange[]]> {
  return [
    ['Behaviour changes, unexplained', r.changes.filter((c) => !c.explained)],
    ['Behaviour changes explained by the model profiles', r.changes.filter((c) => c.explained)],
    ['Timer packets that came or went with the pacing of the steps (not behaviour changes)', r.paced],
  ];
}

export function formatCompareText(r: CompareReport): string {
  const out: string[] = [];
  out.push('## Runs', `* A: ${runLine(r.a)}`, `* B: ${runLine(r.b)}`, '');
  out.push('## Summary', `${'status'.padEnd(8)} ${'A'.padStart(6)} ${'B'.padStart(6)}`);
  for (const k of STATUSES) out.push(`${k.padEnd(8)} ${String(r.a.counts[k]).padStart(6)} ${String(r.b.counts[k]).padStart(6)}`);
  out.push(summaryLine(r), '');
  const section = (title: string, lines: string[]): void => {
    if (!lines.length) return;
    out.push(`## ${title}`, ...lines.map((l) => `* ${l}`), '');
  };
  section('Regressions (pass → fail or error in B)', r.regressions.map(statusLine));
  section('Fixes (fail or error → pass in B)', r.fixes.map(statusLine));
  section('Other status changes', r.otherStatus.map(statusLine));
  const changes = (title: string, list: BehaviourChange[]): void => {
    if (!list.length) return;
    out.push(`## ${title}`);
    for (const [id, l] of byCase(list)) {
      out.push(`* ${id}`);
      for (const c of l) out.push(`  - ${where(c)}: ${changeText(c)}`, `    ${because(c)}`);
    }
    out.push('');
  };
  for (const [title, list] of changeSections(r)) changes(title, list);
  section('Only in A', r.onlyA);
  section('Only in B', r.onlyB);
  if (r.notCompared.length) section('Passing on both, packets not compared (a run without the comparable form)', r.notCompared);
  return out.join('\n').trimEnd() + '\n';
}

const md = (s: string): string => s.replace(/([|`*_[\]<>])/g, '\\$1');

export function formatCompareMarkdown(r: CompareReport): string {
  const out: string[] = [];
  out.push('### synharness compare', '', `- **A**: ${md(runLine(r.a))}`, `- **B**: ${md(runLine(r.b))}`, '');
  out.push('| status | A | B |', '|---|---:|---:|');
  for (const k of STATUSES) out.push(`| ${k} | ${r.a.counts[k]} | ${r.b.counts[k]} |`);
  out.push('', `**${md(summaryLine(r))}**`, '');
  const list = (title: string, items: string[]): void => {
    if (!items.length) return;
    out.push(`#### ${title}`, '', ...items.map((i) => `- ${i}`), '');
  };
  const st = (s: StatusChange): string => `\`${s.id}\`: ${s.from} → ${s.to}${s.message ? ` — ${md(s.message)}` : ''}`;
  list('Regressions', r.regressions.map(st));
  list('Fixes', r.fixes.map(st));
  list('Other status changes', r.otherStatus.map(st));
  const changes = (title: string, l: BehaviourChange[]): void => {
    if (!l.length) return;
    out.push(`#### ${title}`, '', '| case | where | change | why |', '|---|---|---|---|');
    for (const c of l) out.push(`| \`${c.id}\` | ${md(where(c))} | ${md(changeText(c))} | ${md(because(c))} |`);
    out.push('');
  };
  for (const [title, list] of changeSections(r)) changes(title, list);
  list(
    'Only in A',
    r.onlyA.map((id) => `\`${id}\``),
  );
  list(
    'Only in B',
    r.onlyB.map((id) => `\`${id}\``),
  );
  list(
    'Passing on both, packets not compared',
    r.notCompared.map((id) => `\`${id}\``),
  );
  return out.join('\n').trimEnd() + '\n';
}
