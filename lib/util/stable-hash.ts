// Stable JSON text (sorted keys, byte arrays as hex) and a short hash of it: campaign hashes, packet
// keys for the minimizer's cache, signature ids, run-directory file names. Pure.
import { createHash } from 'crypto';
import { toHex } from '../wire/bytes';

/** JSON with object keys sorted at every level, Uint8Array as "hex:…", undefined members left out. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return v === undefined ? 'null' : JSON.stringify(v);
  if (v instanceof Uint8Array) return JSON.stringify(`hex:${toHex(v)}`);
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(',')}}`;
}

/** First `hexChars` hex digits of SHA-256 over the text. */
export function shortHash(text: string, hexChars = 16): string {
  return createHash('sha256').update(text).digest('hex').slice(0, hexChars);
}
