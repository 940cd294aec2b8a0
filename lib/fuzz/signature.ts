// Divergence signatures and the in-memory finding store. A signature names *what kind* of
// divergence happened — the target, the model rule that decided, and the fields that differed —
// never the values, so a million probes that trip the same rule the same way are one finding.
// Pure.
import type { Probe } from './probe';
import { shortHash } from '../util/stable-hash';

export interface DivergenceKey {
  /** the model rule that decided the probe's outcome (Prediction reason.rule), or e.g. '(none)' */
  rule: string;
  /** the fields that differ, e.g. ['flags', 'options.wscale', 'presence'] */
  fields: readonly string[];
  target: string;
}

/** "target|rule|field1,field2" with fields sorted and deduplicated ("-" when none). Stable. */
export function signatureOf(d: DivergenceKey): string {
  const fields = [...new Set(d.fields.map((f) => f.trim()).filter(Boolean))].sort();
  return `${d.target}|${d.rule}|${fields.length ? fields.join(',') : '-'}`;
}

export function parseSignature(sig: string): DivergenceKey {
  const [target, rule, fields] = sig.split('|');
  if (fields === undefined) throw new Error(`not a signature: ${JSON.stringify(sig)} (expected target|rule|fields)`);
  return { target, rule, fields: fields === '-' ? [] : fields.split(',') };
}

/** 10 hex digits of SHA-256 over the signature. */
export function signatureId(sig: string): string {
  return shortHash(sig, 10);
}

/** A file-name-safe, readable name for a signature: "<target>--<rule>--<fields>--<id>", ≤ 120 chars. */
export function signatureSlug(sig: string): string {
  const { target, rule, fields } = parseSignature(sig);
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
  const body = [clean(target), clean(rule), clean(fields.join('-')) || 'none'].join('--').slice(0, 105);
  return `${body}--${signatureId(sig)}`;
}

// ---------------------------------------------------------------------------------------------

/** What a checkpoint keeps of a finding. */
export interface FindingRecord {
  signature: string;
  /** the index of the instance the finding was created from (its repro) */
  firstIndex: number;
  /** occurrences among the probes a checkpoint covers */
  count: number;
  reproPath?: string;
}

export interface Finding {
  signature: string;
  key: DivergenceKey;
  firstIndex: number;
  /** the lowest index seen with this signature (≤ firstIndex when probes complete out of order) */
  lowestIndex: number;
  /** occurrences so far */
  count: number;
  reproPath?: string;
  /** the first instance, as the engine gave it (not kept in checkpoints) */
  probe?: Probe;
  diffs?: unknown;
  reasons?: unknown;
}

interface Entry {
  f: Finding;
  /** occurrences at indices below the last snapshot's nextIndex */
  committed: number;
  /** indices of occurrences not yet below a snapshot's nextIndex */
  pending: number[];
}

/**
 * Deduplicates divergences by signature and counts them. Exact across kill -9 and resume together
 * with the checkpoint: `snapshot(nextIndex)` counts only occurrences at indices < nextIndex (the
 * probes a resumed run will not repeat), while every finding — however late its first index — is
 * listed, so a resumed run that meets it again counts it but does not report it as new.
 */
export class FindingStore {
  private readonly map = new Map<string, Entry>();
  private watermark = 0;

  constructor(restored: readonly FindingRecord[] = [], nextIndex = 0) {
    this.watermark = nextIndex;
    for (const r of restored) {
      const key = parseSignature(r.signature);
      const f: Finding = { signature: r.signature, key, firstIndex: r.firstIndex, lowestIndex: r.firstIndex, count: r.count };
      if (r.reproPath !== undefined) f.reproPath = r.reproPath;
      this.map.set(r.signature, { f, committed: r.count, pending: [] });
    }
  }

  /**
   * One divergence at probe `index`. Returns the finding and whether it is new (then the caller
   * minimizes it, writes its repro, calls setRepro and saves a checkpoint).
   */
  record(d: DivergenceKey | string, index: number, extra: { probe?: Probe; diffs?: unknown; reasons?: unknown } = {}): { finding: Finding; isNew: boolean } {
    const signature = typeof d === 'string' ? d : signatureOf(d);
    let e = this.map.get(signature);
    const isNew = e === undefined;
    if (!e) {
      const f: Finding = {
        signature,
        key: typeof d === 'string' ? parseSignature(d) : { ...d, fields: [...d.fields] },
        firstIndex: index,
        lowestIndex: index,
        count: 0,
      };
      if (extra.probe) f.probe = extra.probe;
      if (extra.diffs !== undefined) f.diffs = extra.diffs;
      if (extra.reasons !== undefined) f.reasons = extra.reasons;
      e = { f, committed: 0, pending: [] };
      this.map.set(signature, e);
    }
    if (index < this.watermark) e.committed++;
    else if (!e.pending.includes(index)) e.pending.push(index);
    else return { finding: e.f, isNew };
    e.f.count = e.committed + e.pending.length;
    if (index < e.f.lowestIndex) e.f.lowestIndex = index;
    return { finding: e.f, isNew };
  }

  setRepro(signature: string, path: string): void {
    const e = this.map.get(signature);
    if (!e) throw new Error(`no finding with signature ${signature}`);
    e.f.reproPath = path;
  }

  has(signature: string): boolean {
    return this.map.has(signature);
  }

  get(signature: string): Finding | undefined {
    return this.map.get(signature)?.f;
  }

  /** Every finding, by first index. */
  all(): Finding[] {
    return [...this.map.values()].map((e) => e.f).sort((a, b) => a.firstIndex - b.firstIndex || (a.signature < b.signature ? -1 : 1));
  }

  get size(): number {
    return this.map.size;
  }

  /** Total divergences counted (all occurrences of all findings). */
  get occurrences(): number {
    let n = 0;
    for (const e of this.map.values()) n += e.f.count;
    return n;
  }

  /**
   * The findings for a checkpoint whose nextIndex is `nextIndex`: counts cover indices < nextIndex
   * exactly; every finding is listed. nextIndex must not go backwards.
   */
  snapshot(nextIndex: number): FindingRecord[] {
    if (nextIndex < this.watermark) throw new Error(`snapshot: nextIndex ${nextIndex} is below the previous one (${this.watermark})`);
    this.watermark = nextIndex;
    const out: FindingRecord[] = [];
    for (const e of this.map.values()) {
      if (e.pending.length) {
        const keep: number[] = [];
        for (const i of e.pending)
          if (i < nextIndex) e.committed++;
          else keep.push(i);
        e.pending = keep;
      }
      const r: FindingRecord = { signature: e.f.signature, firstIndex: e.f.firstIndex, count: e.committed };
      if (e.f.reproPath !== undefined) r.reproPath = e.f.reproPath;
      out.push(r);
    }
    return out.sort((a, b) => a.firstIndex - b.firstIndex || (a.signature < b.signature ? -1 : 1));
  }
}
