// Sequence arithmetic modulo 2^32, re-exported from the codec so model files import one place.
export { seqAdd, seqDiff, seqLt, seqLeq, seqGt, seqGeq, seqInRange } from '../../wire/seq';

/** The kernel's after(a, b) with a, b unsigned 32-bit. */
export function after(a: number, b: number): boolean {
  return ((b - a) | 0) < 0;
}
/** The kernel's before(a, b). */
export function before(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
/** The kernel's between(x, lo, hi) (modular lo ≤ x ≤ hi). */
export function between(x: number, lo: number, hi: number): boolean {
  return (x - lo) >>> 0 <= (hi - lo) >>> 0;
}
