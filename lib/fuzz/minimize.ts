// Minimizing a diverging probe: delta debugging on the mutated packet. Options are dropped (all,
// then halves, quarters, … single items), flags cleared one by one, mistakes removed, the payload
// emptied or shortened, and each field moved to its default — window 64240, TOS 0, urgent 0, seq/ack
// to what a plain segment would carry (the case format's defaults), TS values to peer.tsval /
// dut.tsval, option values to plain ones (mss 1460, wscale 7, one SACK block, no data). When the
// default itself loses the divergence, a binary search finds the value closest to it that keeps
// it (e.g. the window edge + 1 for an out-of-window seq, wscale 15 for "wscale ≥ 15").
//
// A change is kept only when `stillDiverges` says the divergence persists (with the same signature:
// the callback decides). Passes repeat until nothing changes or the attempt budget is spent. The
// order of attempts is fixed and identical candidates are asked once, so with a deterministic
// callback the result is deterministic. Only `mutated` changes; the setup stays as it was. Pure.
import { ACK, AE, CWR, ECE, FIN, PSH, RST, SYN, URG } from '../wire/types';
import type { Probe, ProbeMistakes, ProbeOption, ProbePacket, SeqRef, TsRef } from './probe';
import { clonePacket, packetKey } from './probe';

export interface MinimizeOptions {
  /** most calls of stillDiverges (default 400) */
  maxAttempts?: number;
  /** most full passes (default 4) */
  maxPasses?: number;
  /** the window a plain segment carries (default 64240) */
  window?: number;
}

export interface MinimizeResult {
  probe: Probe;
  /** calls of stillDiverges made */
  attempts: number;
  /** changes kept */
  accepted: number;
  /** the attempt budget ran out before a pass found nothing to change */
  exhausted: boolean;
}

/** Flags in the order they are tried for removal: the least consequential first. */
const FLAG_ORDER = [AE, CWR, ECE, URG, PSH, FIN, RST, ACK, SYN];
const MISTAKE_KEYS: ReadonlyArray<keyof ProbeMistakes> = ['reservedBits', 'dataOffset', 'ipChecksum', 'tcpChecksum'];
const EMPTY = new Uint8Array(0);

class OutOfAttempts extends Error {}

/** The seq a plain segment carries: peer.isn on a SYN, peer.isn+1 otherwise. */
export function defaultSeq(p: ProbePacket): SeqRef {
  return { base: 'peer.isn', offset: p.flags & SYN ? 0 : 1 };
}

/** The ack a plain segment carries: dut.isn+1 with ACK when the DUT's ISN is known, else 0. */
export function defaultAck(p: ProbePacket, dutIsnBound: boolean): SeqRef {
  return p.flags & ACK && dutIsnBound ? { base: 'dut.isn', offset: 1 } : { base: 'abs', offset: 0 };
}

function sameRef(a: SeqRef | TsRef, b: SeqRef | TsRef): boolean {
  return a.base === b.base && a.offset === b.offset && !!(a as SeqRef).win === !!(b as SeqRef).win;
}

/** Does the probe's setup bind a DUT value? */
function binds(probe: Probe, name: 'dutIsn' | 'dutTsval'): boolean {
  return probe.setup.some((s) => s.kind === 'capture' && s.bind.includes(name));
}

export async function minimize(probe: Probe, stillDiverges: (p: Probe) => Promise<boolean>, opts: MinimizeOptions = {}): Promise<Probe> {
  return (await minimizeDetailed(probe, stillDiverges, opts)).probe;
}

export async function minimizeDetailed(probe: Probe, stillDiverges: (p: Probe) => Promise<boolean>, opts: MinimizeOptions = {}): Promise<MinimizeResult> {
  const maxAttempts = opts.maxAttempts ?? 400;
  const maxPasses = opts.maxPasses ?? 4;
  const plainWindow = opts.window ?? 64240;
  const dutIsn = binds(probe, 'dutIsn');
  const dutTs = binds(probe, 'dutTsval');
  const tried = new Map<string, boolean>();
  tried.set(packetKey(probe.mutated), true);
  let cur = clonePacket(probe.mutated);
  let attempts = 0;
  let accepted = 0;
  let exhausted = false;

  /** Asks about a candidate; on success it becomes the current packet. */
  const attempt = async (cand: ProbePacket): Promise<boolean> => {
    const key = packetKey(cand);
    const known = tried.get(key);
    if (known !== undefined) {
      if (known && key !== packetKey(cur)) {
        cur = cand;
        return true;
      }
      return false;
    }
    if (attempts >= maxAttempts) throw new OutOfAttempts();
    attempts++;
    const ok = await stillDiverges({ ...probe, mutated: cand });
    tried.set(key, ok);
    if (ok) {
      cur = cand;
      accepted++;
    }
    return ok;
  };

  const withPacket = (f: (p: ProbePacket) => void): ProbePacket => {
    const c = clonePacket(cur);
    f(c);
    return c;
  };

  /** Binary search on an integer field between a goal (known to lose the divergence) and the current value. */
  const towards = async (get: (p: ProbePacket) => number, set: (p: ProbePacket, v: number) => void, goal: number): Promise<void> => {
    let lo = goal; // loses it (just tried)
    let hi = get(cur); // keeps it
    while (Math.abs(hi - lo) > 1) {
      const mid = lo + Math.trunc((hi - lo) / 2);
      if (await attempt(withPacket((p) => set(p, mid)))) hi = mid;
      else lo = mid;
    }
  };

  /** Try `goal`; when it loses the divergence and the value is numeric along one axis, bisect toward it. */
  const field = async (get: (p: ProbePacket) => number, set: (p: ProbePacket, v: number) => void, goal: number): Promise<void> => {
    if (get(cur) === goal) return;
    if (await attempt(withPacket((p) => set(p, goal)))) return;
    await towards(get, set, goal);
  };

  const ref = async (which: 'seq' | 'ack', goal: SeqRef): Promise<void> => {
    if (sameRef(cur[which], goal)) return;
    if (await attempt(withPacket((p) => (p[which] = { ...goal })))) return;
    const r = cur[which];
    const offset = (p: ProbePacket) => p[which].offset;
    const setOffset = (p: ProbePacket, v: number) => (p[which] = { ...p[which], offset: v });
    if (r.win) {
      // Relative to the window's edge: try the edge itself, then bisect toward it.
      if (r.offset === goal.offset || (await attempt(withPacket((p) => setOffset(p, goal.offset))))) return;
      await towards(offset, setOffset, goal.offset);
    } else if (r.base === goal.base) {
      await towards(offset, setOffset, goal.offset);
    }
  };

  const tsField = async (i: number, which: 'val' | 'ecr', goal: TsRef): Promise<void> => {
    const o = cur.options[i];
    if (o.kind !== 'ts' || sameRef(o[which], goal)) return;
    const setTs = (p: ProbePacket, r: TsRef) => {
      const t = p.options[i];
      if (t.kind === 'ts') p.options[i] = { ...t, [which]: r };
    };
    if (await attempt(withPacket((p) => setTs(p, goal)))) return;
    const now = cur.options[i];
    if (now.kind === 'ts' && now[which].base === goal.base) {
      await towards(
        (p) => {
          const t = p.options[i];
          return t.kind === 'ts' ? t[which].offset : 0;
        },
        (p, v) => setTs(p, { base: goal.base, offset: v }),
        goal.offset,
      );
    }
  };

  const dropOptions = async (): Promise<void> => {
    if (cur.options.length === 0) return;
    if (await attempt(withPacket((p) => (p.options = [])))) return;
    for (let size = Math.max(1, cur.options.length >> 1); ; size = Math.max(1, size >> 1)) {
      for (let i = 0; i < cur.options.length;) {
        const at = i;
        if (!(await attempt(withPacket((p) => p.options.splice(at, size))))) i += size;
      }
      if (size === 1) break;
    }
  };

  const simplifyOption = async (i: number): Promise<void> => {
    const o = cur.options[i];
    const setOpt = (p: ProbePacket, v: ProbeOption) => (p.options[i] = v);
    switch (o.kind) {
      case 'mss':
        await field(
          (p) => (p.options[i] as { value: number }).value,
          (p, v) => setOpt(p, { kind: 'mss', value: v }),
          1460,
        );
        break;
      case 'wscale':
        await field(
          (p) => (p.options[i] as { shift: number }).shift,
          (p, v) => setOpt(p, { kind: 'wscale', shift: v }),
          7,
        );
        break;
      case 'ts':
        await tsField(i, 'val', { base: 'peer.tsval', offset: 0 });
        await tsField(i, 'ecr', dutTs ? { base: 'dut.tsval', offset: 0 } : { base: 'abs', offset: 0 });
        break;
      case 'sack':
        if (o.blocks.length > 1) await attempt(withPacket((p) => setOpt(p, { kind: 'sack', blocks: [o.blocks[0]] })));
        break;
      case 'unknown':
        if (o.data.length > 0 && o.len === undefined) await attempt(withPacket((p) => setOpt(p, { kind: 'unknown', type: o.type, data: EMPTY })));
        break;
      case 'tfo':
        if (o.cookie.length > 0) await attempt(withPacket((p) => setOpt(p, { ...o, cookie: o.cookie.subarray(0, o.cookie.length >> 1) })));
        break;
      default:
        break;
    }
  };

  const pass = async (): Promise<boolean> => {
    const before = packetKey(cur);
    await dropOptions();
    for (const f of FLAG_ORDER) {
      if (cur.flags & f) await attempt(withPacket((p) => (p.flags &= ~f)));
    }
    if (MISTAKE_KEYS.some((k) => cur.mistakes[k] !== undefined)) {
      if (!(await attempt(withPacket((p) => (p.mistakes = {}))))) {
        for (const k of MISTAKE_KEYS) if (cur.mistakes[k] !== undefined) await attempt(withPacket((p) => delete p.mistakes[k]));
      }
    }
    if (cur.payload.length > 0 && !(await attempt(withPacket((p) => (p.payload = EMPTY))))) {
      while (cur.payload.length > 1 && (await attempt(withPacket((p) => (p.payload = p.payload.subarray(0, p.payload.length >> 1)))))) {
        /* keep halving */
      }
    }
    await field(
      (p) => p.window,
      (p, v) => (p.window = v),
      plainWindow,
    );
    await field(
      (p) => p.tos,
      (p, v) => (p.tos = v),
      0,
    );
    await field(
      (p) => p.urg,
      (p, v) => (p.urg = v),
      0,
    );
    await ref('seq', defaultSeq(cur));
    await ref('ack', defaultAck(cur, dutIsn));
    for (let i = 0; i < cur.options.length; i++) await simplifyOption(i);
    return packetKey(cur) !== before;
  };

  try {
    for (let n = 0; n < maxPasses; n++) if (!(await pass())) break;
  } catch (e) {
    if (!(e instanceof OutOfAttempts)) throw e;
    exhausted = true;
  }
  return { probe: { ...probe, mutated: cur }, attempts, accepted, exhausted };
}
