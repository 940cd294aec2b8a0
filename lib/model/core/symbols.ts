// Random values as symbols (spec §11.1): ISN, ts_off, flow label, TFO cookie, cookie ISN are opaque.
// A value is either a number (known, e.g. from env.fixed) or a symbol plus a 32-bit offset.
// Bindings (state.bindings) map symbol names to the values the harness observed (see match.ts).

export interface Sym {
  sym: string;
  rel?: number;
}
export type Num = number | Sym;

export function isSym(n: Num): n is Sym {
  return typeof n !== 'number';
}

/** n + k modulo 2^32 (symbolic when n is). */
export function numAdd(n: Num, k: number): Num {
  if (typeof n === 'number') return (n + k) >>> 0;
  return { sym: n.sym, rel: ((n.rel ?? 0) + k) >>> 0 };
}

/** The value of n under the bindings, or undefined when its symbol is unbound. */
export function numValue(n: Num, bindings: Readonly<Record<string, number>>): number | undefined {
  if (typeof n === 'number') return n;
  const b = bindings[n.sym];
  return b === undefined ? undefined : (b + (n.rel ?? 0)) >>> 0;
}

export function numText(n: Num): string {
  if (typeof n === 'number') return String(n);
  return n.rel ? `${n.sym}+${n.rel}` : n.sym;
}
