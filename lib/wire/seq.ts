// TCP sequence-number arithmetic modulo 2^32. Inputs and results are unsigned 32-bit numbers
// (seqDiff excepted: it is the signed int32 distance, as the kernel's `(s32)(a - b)`).

/** (a + b) mod 2^32. `b` may be negative. */
export function seqAdd(a: number, b: number): number {
  return (a + b) >>> 0;
}

/** Signed distance a − b as an int32 (the kernel's before()/after() basis). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLeq(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGeq(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** lo ≤ x ≤ hi walking forward from lo modulo 2^32 (the kernel's between(x, lo, hi)). */
export function seqInRange(x: number, lo: number, hi: number): boolean {
  return (x - lo) >>> 0 <= (hi - lo) >>> 0;
}
