// A small bounded cache of address text → bytes, so emitting/building many packets for the same
// few addresses does not re-parse the text every time. Returned arrays are shared: never mutate them.
import { ipv4ToBytes, ipv6ToBytes } from './addr';

const LIMIT = 1024;
const cache4 = new Map<string, Uint8Array>();
const cache6 = new Map<string, Uint8Array>();

function cached(cache: Map<string, Uint8Array>, s: string, parse: (s: string) => Uint8Array): Uint8Array {
  let b = cache.get(s);
  if (b === undefined) {
    b = parse(s); // throws on bad text, caching nothing
    if (cache.size >= LIMIT) cache.clear();
    cache.set(s, b);
  }
  return b;
}

/** The 4 bytes of a dotted quad (shared, read-only). Throws on bad text. */
export function addrBytes4(s: string): Uint8Array {
  return cached(cache4, s, ipv4ToBytes);
}

/** The 16 bytes of an IPv6 address text (shared, read-only). Throws on bad text. */
export function addrBytes6(s: string): Uint8Array {
  return cached(cache6, s, ipv6ToBytes);
}
