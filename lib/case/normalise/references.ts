// References to earlier packets: labels (label:), and their uses — same: <label or step>.<field>,
// tfo=@label — resolved to a step and packet, or reported (later, unknown, not a packet). Pure.
import { closest } from '../../yaml-kit/suggest';
import type { CaseRaw } from '../schema';
import type { PacketRef } from '../types';
import type { CaseContext, LabelInfo, Path } from './context';

/** Every label of the case and the first step defining it (a first pass, to tell "later" from "unknown"). */
export function collectLabels(steps: CaseRaw['steps']): Map<string, number> {
  const all = new Map<string, number>();
  steps.forEach((s, i) => {
    if (s.send?.label) all.set(s.send.label, all.get(s.send.label) ?? i);
    const ex = s.expect;
    if (ex && ex !== 'model') for (const p of Array.isArray(ex) ? ex : [ex]) if (p.label) all.set(p.label, all.get(p.label) ?? i);
  });
  return all;
}

/** Records a label for later steps; a label used twice is reported. */
export function defineLabel(ctx: CaseContext, label: string | undefined, path: Path, info: LabelInfo): void {
  if (label === undefined) return;
  const prev = ctx.walk.labels.get(label);
  if (prev) {
    ctx.problem(path, `label '${label}' is already used at step ${prev.step + 1} — give each packet its own label`);
    return;
  }
  ctx.walk.labels.set(label, info);
}

/** A label or a 1-based step number written at step `stepIndex`, resolved to an earlier packet. */
export function resolveRef(ctx: CaseContext, ref: string, path: Path, stepIndex: number, what: string): PacketRef | undefined {
  const { problem, walk } = ctx;
  if (/^\d+$/.test(ref)) {
    const n = Number(ref);
    if (n < 1 || n > stepIndex) {
      problem(
        path,
        `${what} refers to step ${n}, but only steps 1..${stepIndex} come before it — refer to an earlier step (numbers start at 1) or use a label`,
      );
      return undefined;
    }
    const k = walk.kinds[n - 1];
    if (k !== 'send' && k !== 'expect') {
      problem(
        path,
        `${what} refers to step ${n}, which is ${k === 'model' ? 'expect: model' : `a ${k} step`} and has no packet of its own — refer to a send or an explicit expect`,
      );
      return undefined;
    }
    return { step: n - 1, packet: 0, text: ref };
  }
  const info = walk.labels.get(ref);
  if (!info) {
    const later = walk.allLabels.get(ref);
    if (later !== undefined) {
      problem(path, `label '${ref}' is defined later, at step ${later + 1} — ${what} can only refer to earlier packets`);
    } else {
      const known = [...walk.labels.keys()];
      const g = closest(ref, known);
      problem(
        path,
        `unknown label '${ref}' — ${g ? `did you mean '${g}'? ` : ''}${known.length ? `labels so far: ${known.join(', ')}` : 'no packet before this step has a label (add label: to one)'}`,
      );
    }
    return undefined;
  }
  return { step: info.step, packet: info.packet, label: ref, text: ref };
}
