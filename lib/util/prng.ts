// A small, fast, seeded PRNG (sfc32 seeded through splitmix32), so a seed replays a campaign, a shuffled
// run order or a mutation test exactly. Pure.
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    // One PRNG per probe: the seeding runs as often as probes are made, so no closure here.
    let s = seed >>> 0;
    s = (s + 0x9e3779b9) >>> 0;
    this.a = splitmix(s);
    s = (s + 0x9e3779b9) >>> 0;
    this.b = splitmix(s);
    s = (s + 0x9e3779b9) >>> 0;
    this.c = splitmix(s);
    s = (s + 0x9e3779b9) >>> 0;
    this.d = splitmix(s);
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.float() * xs.length)];
  }

  /** Pick by weight: entries [weight, value]. */
  weighted<T>(xs: ReadonlyArray<readonly [number, T]>): T {
    let total = 0;
    for (let i = 0; i < xs.length; i++) total += xs[i][0];
    let r = this.float() * total;
    for (let i = 0; i < xs.length; i++) {
      if ((r -= xs[i][0]) < 0) return xs[i][1];
    }
    return xs[xs.length - 1][1];
  }

  /**
   * The index `weighted` would pick from entries with these weights (the same draw, the same
   * arithmetic): for callers that keep their weights in a table and their values elsewhere.
   */
  weightedIndex(ws: readonly number[]): number {
    let total = 0;
    for (let i = 0; i < ws.length; i++) total += ws[i];
    let r = this.float() * total;
    for (let i = 0; i < ws.length; i++) {
      if ((r -= ws[i]) < 0) return i;
    }
    return ws.length - 1;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

function splitmix(s: number): number {
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
