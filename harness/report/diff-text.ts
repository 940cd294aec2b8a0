// Plain-text account of one case's outcome, for the terminal, JUnit <failure> bodies and KTAP
// diagnostics. For a failure: each failed step with the expected and observed value of every
// differing field and the model's reasons, every unexpected packet, then the ladder.
import { renderLadder, formatRelMs, type LadderPacket } from './ladder';
import { summarizePacket, toHex } from './packet-summary';
import type { CapturedPacket, CaseResult, FieldDiff, StepOutcome } from './types';

export interface FailureTextOptions {
  /** Ladder width (default 80). */
  width?: number;
  /** Include the hex of each unexpected packet (default true). */
  hex?: boolean;
}

export function isUnexpected(p: CapturedPacket): boolean {
  return /^unexpected\b/i.test(p.comment.trimStart());
}

/** An expectation step that failed without any packet to compare against: nothing arrived. */
export function isMissingStep(s: StepOutcome): boolean {
  return !s.ok && /expect/i.test(s.kind) && (s.diffs === undefined || s.diffs.length === 0);
}

function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ⏎ ').replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function stepTitle(s: StepOutcome): string {
  return `step ${s.index + 1} ${oneLine(s.kind)}${s.message ? `: ${oneLine(s.message)}` : ''}`;
}

function diffTable(diffs: readonly FieldDiff[], indent: string): string[] {
  // (a model diff of an option element one side lacks — an extra SACK block — has no value there)
  const cell = (x: string | undefined): string => oneLine(x === undefined ? '(none)' : String(x));
  const rows = [['field', 'expected', 'observed'], ...diffs.map((d) => [d.field, d.expected, d.observed].map(cell))];
  const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => Array.from(r[c]).length)));
  const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - Array.from(s).length));
  return rows.map((r, i) => {
    const reason = i > 0 && diffs[i - 1].reason ? `  (${oneLine(diffs[i - 1].reason!)})` : '';
    return `${indent}${pad(r[0], w[0])}  ${pad(r[1], w[1])}  ${r[2]}${reason}`.trimEnd();
  });
}

/**
 * The ladder rows for a case: its packets in capture order, then placeholders for missing
 * expectations. With more than one flow, each row starts with its flow's name and ports ("b 40002>8080").
 */
export function ladderPackets(result: CaseResult): LadderPacket[] {
  const t0 = result.packets.reduce<bigint | undefined>((m, p) => (m === undefined || p.tsNs < m ? p.tsNs : m), undefined);
  const multi = new Set(result.packets.map((p) => p.flow ?? '')).size > 1;
  const rows: LadderPacket[] = result.packets.map((p) => ({
    dir: p.dir,
    summary: multi ? `${p.flow ?? '(no flow)'} ${summarizePacket(p.bytes, { ports: true })}` : summarizePacket(p.bytes),
    tMs: t0 === undefined ? NaN : Number(p.tsNs - t0) / 1e6,
    mark: isUnexpected(p) ? 'unexpected' : undefined,
  }));
  for (const s of result.steps) {
    if (isMissingStep(s)) rows.push({ dir: 'received', summary: s.message ?? `step ${s.index + 1} ${s.kind}`, tMs: NaN, mark: 'missing' });
  }
  return rows;
}

/**
 * Text for one case. Passing cases get a single line; skipped ones a line with the reason.
 * Every string from the case (names, messages, comments, field values) is put on one line with
 * control characters spelled out ("\\x1b"), so the text is safe to print on a terminal.
 */
export function formatCaseFailure(result: CaseResult, opts: FailureTextOptions = {}): string {
  const width = opts.width ?? 80;
  const hex = opts.hex ?? true;
  const head = `${result.status.toUpperCase()} ${oneLine(result.id)}`;
  const msg = result.message ? `: ${oneLine(result.message)}` : '';
  if (result.status === 'pass') return `${head} (${result.durationMs.toFixed(0)} ms)${result.reruns?.length && msg ? msg : ''}\n`;
  if (result.status === 'skip') return `${head}${msg}\n`;

  const out: string[] = [`${head}${msg}`];
  const ctx = [`kernel ${oneLine(result.kernel)}`, `model ${oneLine(result.modelProfile)}`, `seed ${result.seed}`];
  const sysctls = Object.entries(result.sysctls);
  if (sysctls.length) ctx.push(sysctls.map(([k, v]) => `${oneLine(k)}=${oneLine(v)}`).join(' '));
  out.push(`  ${ctx.join(' · ')}`);
  if (result.captureDrops > 0) {
    out.push(`  capture dropped ${result.captureDrops} packet(s): the sequence below may be incomplete`);
  }

  for (const s of result.steps) {
    if (s.ok) continue;
    out.push('', `  ${stepTitle(s)}`);
    if (s.script) out.push(`    ${oneLine(s.script)}`);
    if (s.diffs && s.diffs.length) out.push(...diffTable(s.diffs, '    '));
    else if (isMissingStep(s)) out.push('    nothing arrived');
    if (s.expected) out.push(...(s.expected.length ? s.expected.map((e) => `    expected (model): ${oneLine(e)}`) : ['    expected (model): nothing']));
    for (const r of s.reasons ?? []) out.push(`    model: ${oneLine(r)}`);
  }

  const t0 = result.packets.reduce<bigint | undefined>((m, p) => (m === undefined || p.tsNs < m ? p.tsNs : m), undefined);
  const unexpected = result.packets.filter(isUnexpected);
  if (unexpected.length) {
    out.push('', `  unexpected packets (${unexpected.length}):`);
    for (const p of unexpected) {
      const t = t0 === undefined ? '' : formatRelMs(Number(p.tsNs - t0) / 1e6);
      const arrow = p.dir === 'sent' ? 'peer→DUT' : 'DUT→peer';
      out.push(`    ${t} ${arrow} ${summarizePacket(p.bytes, { addrs: true })}  [${oneLine(p.comment)}]`);
      if (hex) out.push(`      ${toHex(p.bytes)}`);
    }
  } else if (result.unexpected > 0) {
    out.push('', `  unexpected packets: ${result.unexpected} (not in the capture)`);
  }

  const rows = ladderPackets(result);
  if (rows.length) {
    out.push('', '  ladder:');
    for (const l of renderLadder(rows, width - 4)
      .trimEnd()
      .split('\n'))
      out.push(`    ${l}`.trimEnd());
  }
  return out.join('\n') + '\n';
}
