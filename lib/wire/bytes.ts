// Byte-level helpers: the Internet checksum (RFC 1071) and hex text.
// Checksums read bytes directly (no DataView) and never allocate.

/**
 * Unfolded one's complement sum of the 16-bit big-endian words of buf[start, end), added to `initial`.
 * An odd trailing byte counts as the high byte of a word padded with zero. Out-of-range indices read
 * as 0, so this never throws. The result may exceed 16 bits: fold it (or pass it on as `initial`).
 */
export function checksumPartial(buf: Uint8Array, start: number, end: number, initial = 0): number {
  if (end > buf.length) end = buf.length;
  if (start < 0) start = 0;
  let sum = initial;
  let i = start;
  const even = end - ((end - start) & 1);
  // Sum fits exactly in a double for any realistic buffer (2^37 words before precision loss);
  // fold every 64 Ki words anyway so `sum` stays a small integer.
  while (i < even) {
    const stop = Math.min(even, i + 131072);
    for (; i < stop; i += 2) sum += (buf[i] << 8) | buf[i + 1];
    sum = foldTo32(sum);
  }
  if (i < end) sum += buf[i] << 8;
  return sum;
}

/** Folds a non-negative partial sum to 16 bits with end-around carry (not complemented). */
export function foldChecksum(sum: number): number {
  sum = foldTo32(sum);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function foldTo32(sum: number): number {
  while (sum > 0xffffffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * The Internet checksum of buf[start, end): the 16-bit one's complement of the one's complement sum.
 * `initial` is a partial sum (e.g. a pseudo-header's). Over data that includes a correct checksum
 * field the result is 0.
 */
export function internetChecksum(buf: Uint8Array, start: number, end: number, initial = 0): number {
  return ~foldChecksum(checksumPartial(buf, start, end, initial)) & 0xffff;
}

const HEX = '0123456789abcdef';

/** Lowercase hex, no separators. */
export function toHex(u8: Uint8Array): string {
  if (u8.length > 64) return Buffer.from(u8.buffer, u8.byteOffset, u8.length).toString('hex');
  let s = '';
  for (let i = 0; i < u8.length; i++) s += HEX[u8[i] >> 4] + HEX[u8[i] & 15];
  return s;
}

/**
 * Parses hex text typed by a user: pairs of hex digits, optionally separated by spaces, tabs,
 * newlines or colons, optional leading "0x". Throws an Error on odd length or a non-hex character.
 */
export function fromHex(s: string): Uint8Array {
  let t = s.trim();
  if (t.startsWith('0x') || t.startsWith('0X')) t = t.slice(2);
  t = t.replace(/[\s:]/g, '');
  const bad = /[^0-9a-fA-F]/.exec(t);
  if (bad) throw new Error(`invalid hex ${JSON.stringify(s)}: '${bad[0]}' is not a hex digit`);
  if (t.length % 2 !== 0) {
    throw new Error(`invalid hex ${JSON.stringify(s)}: odd number of digits (${t.length})`);
  }
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.substr(i * 2, 2), 16);
  return out;
}

/** Byte-wise equality of two arrays. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One new array holding the given arrays back to back. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

/** A number in 0x-hex with at least `digits` hex digits: "0x0", "0x02". */
export function hexNum(n: number, digits = 1): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}

/** Fields reports show in hex whatever the case wrote, as kernel code and tcpdump do: the TOS / traffic-class byte. */
export const HEX_FIELDS: ReadonlySet<string> = new Set(['tos', 'tclass', 'ip.tos', 'ip.tclass']);

/** How many hex digits a 0x-literal has ("0x02" → 2), or undefined when `text` is not one. */
export function hexDigitsOf(text: string | undefined): number | undefined {
  const m = text === undefined ? null : /^\s*0x([0-9a-f]+)\s*$/i.exec(text);
  return m ? m[1].length : undefined;
}
