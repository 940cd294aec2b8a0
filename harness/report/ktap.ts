// KTAP version 1 (Documentation/dev-tools/ktap.rst) as kselftest prints it: version line, plan,
// one result line per case ("ok N desc", "not ok N desc", "ok N desc # SKIP why",
// "not ok N desc # ERROR why"), "# " diagnostic lines directly before the result they explain,
// and kselftest's closing "# Totals:" line. With `subtests`, each case's steps are nested two
// spaces deeper with their own version line and plan.
import { formatCaseFailure } from './diff-text';
import { caseLabel, countStatuses, type CaseResult, type RunResult, type StepOutcome } from './types';

export interface KtapOptions {
  /** Emit each case's steps as nested KTAP subtests (default false). */
  subtests?: boolean;
}

/** Printable single line: control characters and line breaks become spaces, runs of blanks collapse. */
function flat(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A KTAP description: any words without '#' (which would start the directive) and without line breaks. */
export function ktapDescription(s: string): string {
  const d = flat(s.replace(/#/g, '_'));
  return d === '' ? 'unnamed' : d;
}

/** The description a case gets: "cases/syn/basic.yaml: simple SYN@ipv4", sanitised. */
export function ktapCaseName(c: Pick<CaseResult, 'file' | 'name' | 'ip'>): string {
  return ktapDescription(`${c.file}: ${caseLabel(c)}`);
}

/** The longest diagnostic line, and the longest directive reason (longer ones are cut with '…'). */
export const KTAP_DIAG_MAX = 200;
export const KTAP_REASON_MAX = 120;

function cut(s: string, max: number): string {
  const cps = Array.from(s);
  return cps.length <= max ? s : `${cps.slice(0, max - 1).join('')}…`;
}

/**
 * Data after a directive: one short line (for an error, its first line: the details, such as an
 * agent's stderr, are in the diagnostic lines above), and no second '#' for naive parsers to split on.
 */
function directiveData(s: string | undefined, firstLine = false): string {
  const t = s ?? '';
  return cut(flat((firstLine ? t.split('\n')[0] : t).replace(/#/g, '_')), KTAP_REASON_MAX);
}

/** A diagnostic line; '#' is allowed in diagnostics, line breaks are not; at most KTAP_DIAG_MAX characters. */
function diag(indent: string, text: string): string {
  const t = cut(text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').trimEnd(), KTAP_DIAG_MAX);
  return t === '' ? `${indent}#` : `${indent}# ${t}`;
}

function stepLines(steps: readonly StepOutcome[], indent: string): string[] {
  const out = [`${indent}KTAP version 1`, `${indent}1..${steps.length}`];
  steps.forEach((s, i) => {
    if (!s.ok) {
      if (s.message) out.push(diag(indent, s.message));
      if (s.script) out.push(diag(indent, s.script));
      for (const d of s.diffs ?? []) out.push(diag(indent, `${d.field}: expected ${d.expected}, observed ${d.observed}${d.reason ? ` (${d.reason})` : ''}`));
      for (const r of s.reasons ?? []) out.push(diag(indent, `model: ${r}`));
    }
    out.push(`${indent}${s.ok ? 'ok' : 'not ok'} ${i + 1} ${ktapDescription(`step ${s.index + 1} ${s.kind}`)}`);
  });
  return out;
}

export function toKtap(run: RunResult, opts: KtapOptions = {}): string {
  const n = countStatuses(run.cases);
  const out = ['KTAP version 1', `1..${run.cases.length}`];
  out.push(diag('', `synharness run ${run.runId} started ${run.startedAt} on ${run.host}`));
  out.push(diag('', `kernel ${run.kernel} seed ${run.seed} jobs ${run.jobs} lanes ${run.lanes ?? 1}`));
  run.cases.forEach((c, i) => {
    const num = i + 1;
    const name = ktapCaseName(c);
    if (opts.subtests && c.steps.length > 0) out.push(...stepLines(c.steps, '  '));
    switch (c.status) {
      case 'pass':
        if (c.reruns?.length && c.message) out.push(diag('', `${name}: ${c.message}`));
        out.push(`ok ${num} ${name}`);
        break;
      case 'skip':
        out.push(`ok ${num} ${name} # SKIP ${directiveData(c.message)}`.trimEnd());
        break;
      case 'fail':
        for (const l of formatCaseFailure(c, { hex: false }).trimEnd().split('\n')) out.push(diag('', l));
        out.push(`not ok ${num} ${name}`);
        break;
      case 'error':
        for (const l of formatCaseFailure(c, { hex: false }).trimEnd().split('\n')) out.push(diag('', l));
        out.push(`not ok ${num} ${name} # ERROR ${directiveData(c.message, true)}`.trimEnd());
        break;
    }
  });
  out.push(`# Totals: pass:${n.pass} fail:${n.fail} xfail:0 xpass:0 skip:${n.skip} error:${n.error}`);
  return out.join('\n') + '\n';
}
