// SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012), the keyed hash the
// kernel uses for TFO cookies (tcp_fastopen_cookie_gen: SipHash of the SYN's source and destination
// addresses under the listener's or the namespace's key, the 64-bit result stored little-endian).
// Written from the paper's description; 64-bit lanes as BigInt (this runs only when a key is known).
// Pure.

const MASK = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & MASK;

function readLe64(b: Uint8Array, off: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[off + i]);
  return v;
}

/** SipHash-2-4 of `msg` under the 16-byte `key`, as a 64-bit integer. */
export function siphash24(key: Uint8Array, msg: Uint8Array): bigint {
  if (key.length !== 16) throw new TypeError(`SipHash key must be 16 bytes, got ${key.length}`);
  const k0 = readLe64(key, 0);
  const k1 = readLe64(key, 8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & MASK;
    v1 = rotl(v1, 13n);
    v1 ^= v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK;
    v3 = rotl(v3, 16n);
    v3 ^= v2;
    v0 = (v0 + v3) & MASK;
    v3 = rotl(v3, 21n);
    v3 ^= v0;
    v2 = (v2 + v1) & MASK;
    v1 = rotl(v1, 17n);
    v1 ^= v2;
    v2 = rotl(v2, 32n);
  };
  const whole = msg.length - (msg.length % 8);
  for (let off = 0; off < whole; off += 8) {
    const m = readLe64(msg, off);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  // Last block: the remaining bytes, little-endian, with the message length (mod 256) in the top byte.
  let b = BigInt(msg.length & 0xff) << 56n;
  for (let i = msg.length - 1; i >= whole; i--) b |= BigInt(msg[i]) << BigInt(8 * (i - whole));
  v3 ^= b;
  round();
  round();
  v0 ^= b;
  v2 ^= 0xffn;
  round();
  round();
  round();
  round();
  return (v0 ^ v1 ^ v2 ^ v3) & MASK;
}

/** The 64-bit value as 8 bytes, little-endian (cpu_to_le64). */
export function le64Bytes(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}
