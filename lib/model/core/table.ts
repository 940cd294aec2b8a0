// The keyed tables of the model state (listeners by port; request sockets, sockets and cookie records
// by 4-tuple key). Immutable from the caller's view: a step writes only to its own copy (Step in
// state.ts copies a table on its first write), never to a table it was given.
//
// Why not a plain object: every SYN adds a never-seen 4-tuple key, and a property key is internalised
// (hashed into V8's global string table) before it is stored, which was ~15% of a prediction; a port
// key is an array index, so a listener table holding port 80 is an 81-slot array copied on every SYN
// (ports above ~1000 go to a slow dictionary). The tables are small in every hot path (a fresh
// listener per probe), so a table keeps up to SMALL entries in two arrays — a lookup is a short scan
// with `===` — and turns into a Map beyond that (a SYN flood's thousands of reqs).

const SMALL = 8;

export interface ReadonlyTable<K extends string | number, V> extends Iterable<[K, V]> {
  readonly size: number;
  get(key: K): V | undefined;
  has(key: K): boolean;
  keys(): K[];
  values(): V[];
  /** A writable copy (what Step makes on its first write to a table of the state it was given). */
  copy(): Table<K, V>;
  /** Plain object of the entries (for JSON and test output). */
  toJSON(): Record<string, V>;
}

export class Table<K extends string | number, V> implements ReadonlyTable<K, V> {
  // Small mode: ks/vs (map undefined), arrays that are never written to — a write replaces them, so
  // copies share them and an iteration keeps the arrays it started with. Large mode: map (ks/vs empty).
  declare private ks: readonly K[];
  declare private vs: readonly V[];
  declare private map: Map<K, V> | undefined;

  constructor(ks: readonly K[] = [], vs: readonly V[] = [], map?: Map<K, V>) {
    this.ks = ks;
    this.vs = vs;
    this.map = map;
  }

  get size(): number {
    return this.map ? this.map.size : this.ks.length;
  }

  get(key: K): V | undefined {
    if (this.map) return this.map.get(key);
    const ks = this.ks;
    for (let i = 0; i < ks.length; i++) if (ks[i] === key) return this.vs[i];
    return undefined;
  }

  has(key: K): boolean {
    if (this.map) return this.map.has(key);
    return this.ks.indexOf(key) >= 0;
  }

  copy(): Table<K, V> {
    if (this.map) return new Table<K, V>([], [], new Map(this.map));
    return new Table<K, V>(this.ks, this.vs);
  }

  /** Writes in place: only on a table this step owns (from copy()). */
  set(key: K, value: V): void {
    if (this.map) {
      this.map.set(key, value);
      return;
    }
    const ks = this.ks;
    const i = ks.indexOf(key);
    if (i >= 0) {
      const vs = this.vs.slice();
      vs[i] = value;
      this.vs = vs;
      return;
    }
    if (ks.length < SMALL) {
      this.ks = appended(ks, key);
      this.vs = appended(this.vs, value);
      return;
    }
    const m = new Map<K, V>();
    for (let j = 0; j < ks.length; j++) m.set(ks[j], this.vs[j]);
    m.set(key, value);
    this.map = m;
    this.ks = [];
    this.vs = [];
  }

  /** Removes in place: only on a table this step owns (from copy()). */
  delete(key: K): void {
    if (this.map) {
      this.map.delete(key);
      return;
    }
    const i = this.ks.indexOf(key);
    if (i < 0) return;
    const ks = this.ks.slice();
    const vs = this.vs.slice();
    ks.splice(i, 1);
    vs.splice(i, 1);
    this.ks = ks;
    this.vs = vs;
  }

  keys(): K[] {
    return this.map ? [...this.map.keys()] : this.ks.slice();
  }

  values(): V[] {
    return this.map ? [...this.map.values()] : this.vs.slice();
  }

  /** Entries as of the start of the iteration: writes during the loop (set, delete) do not disturb it. */
  [Symbol.iterator](): Iterator<[K, V]> {
    if (this.map) return [...this.map][Symbol.iterator]();
    const ks = this.ks;
    const vs = this.vs;
    let i = 0;
    return {
      next(): IteratorResult<[K, V]> {
        if (i < ks.length) {
          const r: [K, V] = [ks[i], vs[i]];
          i++;
          return { value: r, done: false };
        }
        return { value: undefined, done: true };
      },
    };
  }

  toJSON(): Record<string, V> {
    const o: Record<string, V> = {};
    for (const [k, v] of this) o[String(k)] = v;
    return o;
  }
}

/** A new array: `a` and then `x` (the first entry of a table — most tables hold one — as a one-slot array). */
function appended<T>(a: readonly T[], x: T): T[] {
  if (a.length === 0) return [x];
  const b = a.slice();
  b.push(x);
  return b;
}

/** A table with the given entries (tests, fixtures, state built by hand). */
export function tableOf<K extends string | number, V>(entries: Iterable<[K, V]>): Table<K, V> {
  const t = new Table<K, V>();
  for (const [k, v] of entries) t.set(k, v);
  return t;
}

/** The shared empty table every table of the initial state starts as (never written: Step copies first). */
export const EMPTY_TABLE: ReadonlyTable<never, never> = Object.freeze(new Table<never, never>()) as ReadonlyTable<never, never>;
