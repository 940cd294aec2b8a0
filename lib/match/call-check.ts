// The verdict on one `call` step: the agent's reply against the case's ok / ret / err / value / data.
import type { CallStep } from '../case';
import { cmpMatches } from '../case/expr';
import { bytesText } from './describe';
import type { FieldDiff, StepOutcome } from './verdict';

/** What the runner learns from one socket call on the DUT (the agent's reply, in short). */
export interface CallReply {
  ok: boolean;
  ret?: number;
  err?: string;
  errno?: number;
  msg?: string;
}

/** Every difference between the reply (and the value / data it returned) and what the step expects. */
export function checkCall(s: CallStep, r: CallReply, value: unknown, data: Uint8Array | undefined): FieldDiff[] {
  const ex = s.expect;
  const out: FieldDiff[] = [];
  const outcome = r.ok ? 'ok' : `failed (${r.err || `ret ${r.ret}`})`;
  const wantOk = ex.ok ?? (ex.err !== undefined ? false : ex.ret === undefined && ex.value === undefined && ex.data === undefined ? true : undefined);
  if (wantOk !== undefined && r.ok !== wantOk) out.push({ field: 'ok', expected: wantOk ? 'ok' : 'failure', observed: outcome });
  if (ex.err !== undefined && r.err !== ex.err) out.push({ field: 'err', expected: ex.err, observed: r.ok ? 'ok (no error)' : r.err || `errno ${r.errno}` });
  if (ex.ret !== undefined && (r.ret === undefined || !cmpMatches(ex.ret, r.ret)))
    out.push({ field: 'ret', expected: ex.ret.text, observed: r.ret === undefined ? outcome : String(r.ret) });
  if (ex.value !== undefined && String(value) !== String(ex.value))
    out.push({ field: 'value', expected: String(ex.value), observed: r.ok ? JSON.stringify(value) : outcome });
  if (ex.data !== undefined) {
    const got = data;
    if (!got || !sameBytes(ex.data, got)) out.push({ field: 'data', expected: bytesText(ex.data), observed: got ? bytesText(got) : outcome });
  }
  return out;
}

/** The step's outcome from its reply. */
export function callOutcome(s: CallStep, r: CallReply, value: unknown, data: Uint8Array | undefined): StepOutcome {
  const diffs = checkCall(s, r, value, data);
  if (!diffs.length) return { index: s.index, kind: 'call', ok: true };
  const got = r.ok ? `ok (ret ${r.ret})` : `failed: ${r.err || `ret ${r.ret}`}${r.msg ? ` — ${r.msg}` : ''}`;
  return { index: s.index, kind: 'call', ok: false, message: `${s.op} ${got}`, diffs };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
