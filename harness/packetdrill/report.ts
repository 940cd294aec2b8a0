// The line a packetdrill user looks for when a step of an imported script fails:
// `script.pkt:LINE: expected: <the script's line> actual: <what happened, in script notation>`,
// printed above the field diff and the model's reasons.
import type { Bindings } from '../../lib/case/expr';
import type { CaseFile, Step } from '../../lib/case/types';
import { pdPacketText } from '../../lib/packetdrill/notation';
import type { Decoded } from '../../lib/wire/types';
import type { StepOutcome } from '../../lib/match/verdict';

/** The packetdrill line for a failed step of a compiled script; undefined for other cases and steps. */
export function scriptFailureLine(c: CaseFile, s: Step, out: StepOutcome, got: readonly Decoded[] | undefined, lookup: Bindings): string | undefined {
  if (c.source?.kind !== 'packetdrill' || out.ok || !s.note) return undefined;
  const m = /^(.*?:\d+): (.*)$/.exec(s.note);
  if (!m) return undefined;
  return `${m[1]}: expected: ${m[2]} actual: ${actual(c, s, out, got, lookup)}`;
}

function actual(c: CaseFile, s: Step, out: StepOutcome, got: readonly Decoded[] | undefined, lookup: Bindings): string {
  if (s.kind === 'expect' && s.packets.length) {
    const d = got?.[got.length - 1];
    if (!d || !out.diffs?.length) return 'no packet (timed out waiting for it)';
    const flow = s.packets[got!.length - 1]?.flow ?? s.packets[0].flow;
    const peerIsn = c.flows.find((f) => f.name === flow)?.isn ?? 0;
    return `> ${pdPacketText(d, { dutIsn: lookup('dut.isn', flow), peerIsn })}`;
  }
  if (out.diffs?.length) return out.diffs.map((d) => `${d.field} ${d.observed}`).join(', ');
  return out.message ?? 'failed';
}
