/**
 * sockaddr_in / sockaddr_in6 codec (Linux layouts) and IPv4/IPv6 text <-> bytes.
 * Pure: no FFI.
 *
 *   struct sockaddr_in  { u16 family (host order); u16 port (BE); u8 addr[4]; u8 zero[8]; }   16 bytes
 *   struct sockaddr_in6 { u16 family (host order); u16 port (BE); u32 flowinfo (BE);
 *                         u8 addr[16]; u32 scope_id (host order); }                         28 bytes
 */
import { isIPv4, isIPv6 } from 'net';
import { endianness } from 'os';

export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCKADDR_IN_LEN = 16;
export const SOCKADDR_IN6_LEN = 28;
/** sizeof(struct sockaddr_storage) */
export const SOCKADDR_STORAGE_LEN = 128;

export type Family = 4 | 6;

export interface SockAddr {
  family: Family;
  addr: string;
  port: number;
  /** IPv6 only */
  flowinfo?: number;
  /** IPv6 only */
  scopeId?: number;
}

const LE = endianness() === 'LE';

function writeHostU16(b: Buffer, v: number, off: number): void {
  if (LE) b.writeUInt16LE(v, off);
  else b.writeUInt16BE(v, off);
}
function readHostU16(b: Buffer, off: number): number {
  return LE ? b.readUInt16LE(off) : b.readUInt16BE(off);
}
function writeHostU32(b: Buffer, v: number, off: number): void {
  if (LE) b.writeUInt32LE(v >>> 0, off);
  else b.writeUInt32BE(v >>> 0, off);
}
function readHostU32(b: Buffer, off: number): number {
  return LE ? b.readUInt32LE(off) : b.readUInt32BE(off);
}

/** Family of a textual address: 6 if it looks like IPv6 (contains ':'), 4 otherwise. */
export function familyOf(addr: string): Family {
  return addr.includes(':') ? 6 : 4;
}

export function parseIPv4(addr: string): Buffer {
  if (!isIPv4(addr)) throw new TypeError(`invalid IPv4 address: ${JSON.stringify(addr)}`);
  return Buffer.from(addr.split('.').map((x) => Number(x)));
}

export function formatIPv4(b: Buffer | Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** Parse an IPv6 address (with optional '%<numeric scope>' suffix) into 16 bytes + scope id. */
export function parseIPv6(text: string): { bytes: Buffer; scopeId: number } {
  let addr = text;
  let scopeId = 0;
  const pct = addr.indexOf('%');
  if (pct >= 0) {
    const scope = addr.slice(pct + 1);
    if (!/^\d+$/.test(scope)) throw new TypeError(`only numeric IPv6 scope ids are supported: ${JSON.stringify(text)}`);
    scopeId = Number(scope);
    addr = addr.slice(0, pct);
  }
  if (!isIPv6(addr)) throw new TypeError(`invalid IPv6 address: ${JSON.stringify(text)}`);
  const out = Buffer.alloc(16);
  let head = addr;
  let tail = '';
  const dbl = addr.indexOf('::');
  if (dbl >= 0) {
    head = addr.slice(0, dbl);
    tail = addr.slice(dbl + 2);
  }
  const groups = (s: string): number[] => {
    if (s === '') return [];
    const parts = s.split(':');
    const words: number[] = [];
    for (const p of parts) {
      if (p.includes('.')) {
        const v4 = parseIPv4(p);
        words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        words.push(parseInt(p, 16));
      }
    }
    return words;
  };
  const h = groups(head);
  const t = groups(tail);
  const words = dbl >= 0 ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
  if (words.length !== 8) throw new TypeError(`invalid IPv6 address: ${JSON.stringify(text)}`);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return { bytes: out, scopeId };
}

/** RFC 5952 text form; IPv4-mapped addresses as ::ffff:a.b.c.d. */
export function formatIPv6(b: Buffer | Uint8Array, off = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${formatIPv4(b, off + 12)}`;
  }
  // longest run of zero words (length >= 2), first one wins on ties
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/** If addr is ::ffff:a.b.c.d return a.b.c.d, else addr unchanged. */
export function unmapV4(addr: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return m ? m[1] : addr;
}

/** Canonical text form (IPv6 compressed, lower case); throws on invalid input. */
export function canonicalAddr(addr: string): string {
  if (familyOf(addr) === 4) return formatIPv4(parseIPv4(addr));
  const { bytes, scopeId } = parseIPv6(addr);
  return formatIPv6(bytes) + (scopeId ? `%${scopeId}` : '');
}

/**
 * Encode a socket address. `sockFamily` is the family of the socket it is meant for: an IPv4
 * address given for an AF_INET6 socket is encoded as ::ffff:a.b.c.d (what the kernel expects).
 */
export function encodeSockaddr(addr: string, port: number, sockFamily?: Family, extra?: { flowinfo?: number; scopeId?: number }): Buffer {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`invalid port: ${port}`);
  let fam = familyOf(addr);
  let text = addr;
  if (fam === 4 && sockFamily === 6) {
    text = `::ffff:${addr}`;
    fam = 6;
  }
  if (fam === 4) {
    const b = Buffer.alloc(SOCKADDR_IN_LEN);
    writeHostU16(b, AF_INET, 0);
    b.writeUInt16BE(port, 2);
    parseIPv4(text).copy(b, 4);
    return b;
  }
  const { bytes, scopeId } = parseIPv6(text);
  const b = Buffer.alloc(SOCKADDR_IN6_LEN);
  writeHostU16(b, AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  b.writeUInt32BE((extra?.flowinfo ?? 0) >>> 0, 4);
  bytes.copy(b, 8);
  writeHostU32(b, extra?.scopeId ?? scopeId, 24);
  return b;
}

/** Decode a sockaddr_in / sockaddr_in6 (len = the socklen_t the kernel returned, if known). */
export function decodeSockaddr(b: Buffer, len = b.length): SockAddr {
  if (len < 2) throw new TypeError(`sockaddr too short: ${len}`);
  const fam = readHostU16(b, 0);
  if (fam === AF_INET) {
    if (len < 8) throw new TypeError(`sockaddr_in too short: ${len}`);
    return { family: 4, addr: formatIPv4(b, 4), port: b.readUInt16BE(2) };
  }
  if (fam === AF_INET6) {
    if (len < 24) throw new TypeError(`sockaddr_in6 too short: ${len}`);
    const out: SockAddr = {
      family: 6,
      addr: formatIPv6(b, 8),
      port: b.readUInt16BE(2),
      flowinfo: b.readUInt32BE(4),
      scopeId: len >= 28 ? readHostU32(b, 24) : 0,
    };
    return out;
  }
  throw new TypeError(`unsupported address family ${fam}`);
}

/** sizeof(struct sockaddr_ll). */
export const SOCKADDR_LL_LEN = 20;

/**
 * struct sockaddr_ll { u16 family (host order); u16 protocol (BE); s32 ifindex (host order); u16 hatype;
 * u8 pkttype; u8 halen; u8 addr[8]; } for bind(2) of an AF_PACKET socket to one interface.
 */
export function encodeSockaddrLl(afPacket: number, protocol: number, ifindex: number): Buffer {
  const sll = Buffer.alloc(SOCKADDR_LL_LEN);
  if (LE) sll.writeUInt16LE(afPacket, 0);
  else sll.writeUInt16BE(afPacket, 0);
  sll.writeUInt16BE(protocol, 2);
  if (LE) sll.writeInt32LE(ifindex, 4);
  else sll.writeInt32BE(ifindex, 4);
  return sll;
}
