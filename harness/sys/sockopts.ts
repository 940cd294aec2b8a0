/**
 * Socket option table: name -> (level, optname, value kind), and value codecs.
 * Pure: no FFI. Values: ints as numbers (booleans accepted on set), structs as objects.
 */
import { encodeSockaddr, Family, SOCKADDR_STORAGE_LEN } from './sockaddr';

export const SOL_SOCKET = 1;
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_IPV6 = 41;

export type OptKind = 'int' | 'linger' | 'md5sig' | 'string' | 'bytes' | 'tcp_info';
/** rw: get+set; r: get only; w: set only (the kernel has no getsockopt for it). */
export type OptAccess = 'rw' | 'r' | 'w';

export interface SockoptDef {
  name: string;
  level: number;
  opt: number;
  kind: OptKind;
  access: OptAccess;
  /** getsockopt buffer size */
  size: number;
  doc?: string;
}

export interface LingerValue {
  onoff: number | boolean;
  linger: number;
}
export interface Md5sigValue {
  addr: string;
  /** key as a string (its UTF-8 bytes are used); max 80 bytes. Empty string deletes the key. */
  key?: string;
  /** key as hex bytes, alternative to key */
  keyHex?: string;
  /** prefix length: uses TCP_MD5SIG_EXT with TCP_MD5SIG_FLAG_PREFIX */
  prefixlen?: number;
  /** interface index: uses TCP_MD5SIG_EXT with TCP_MD5SIG_FLAG_IFINDEX */
  ifindex?: number;
}
export interface TcpInfoValue {
  state: number;
  caState: number;
  retransmits: number;
  probes: number;
  backoff: number;
  /** TCPI_OPT_* bits: 1 TIMESTAMPS, 2 SACK, 4 WSCALE, 8 ECN, 16 ECN_SEEN, 32 SYN_DATA, 64 USEC_TS */
  options: number;
  sndWscale: number;
  rcvWscale: number;
  rto: number;
  ato: number;
  sndMss: number;
  rcvMss: number;
  unacked: number;
  sacked: number;
  lost: number;
  retrans: number;
  fackets: number;
  lastDataSent: number;
  lastAckSent: number;
  lastDataRecv: number;
  lastAckRecv: number;
  pmtu: number;
  rcvSsthresh: number;
  rtt: number;
  rttvar: number;
  sndSsthresh: number;
  sndCwnd: number;
  advmss: number;
  reordering: number;
  rcvRtt: number;
  rcvSpace: number;
  totalRetrans: number;
  /** later fields (0 when the kernel's struct is shorter) */
  segsOut: number;
  segsIn: number;
  notsentBytes: number;
  minRtt: number;
  dataSegsIn: number;
  dataSegsOut: number;
  delivered: number;
  deliveredCe: number;
}
/** A socket option's value as the agent's setsockopt/getsockopt carry it (the codec's; a case file's is CaseSockoptValue). */
export type AgentSockoptValue = number | boolean | string | LingerValue | Md5sigValue | TcpInfoValue;

const TCP_MD5SIG_EXT = 32;
const TCP_MD5SIG_FLAG_PREFIX = 0x1;
const TCP_MD5SIG_FLAG_IFINDEX = 0x2;
const TCP_MD5SIG_MAXKEYLEN = 80;
/** sizeof(struct tcp_md5sig) */
export const TCP_MD5SIG_LEN = SOCKADDR_STORAGE_LEN + 1 + 1 + 2 + 4 + TCP_MD5SIG_MAXKEYLEN;

function d(name: string, level: number, opt: number, kind: OptKind = 'int', access: OptAccess = 'rw', doc?: string): SockoptDef {
  const size = kind === 'int' ? 4 : kind === 'linger' ? 8 : kind === 'md5sig' ? TCP_MD5SIG_LEN : kind === 'string' ? 64 : kind === 'tcp_info' ? 256 : 1024;
  return { name, level, opt, kind, access, size, doc };
}

const DEFS: SockoptDef[] = [
  // SOL_SOCKET
  d('SO_REUSEADDR', SOL_SOCKET, 2),
  d('SO_TYPE', SOL_SOCKET, 3, 'int', 'r'),
  d('SO_ERROR', SOL_SOCKET, 4, 'int', 'r', 'reading clears the pending error'),
  d('SO_SNDBUF', SOL_SOCKET, 7, 'int', 'rw', 'kernel doubles the value set'),
  d('SO_RCVBUF', SOL_SOCKET, 8, 'int', 'rw', 'kernel doubles the value set'),
  d('SO_KEEPALIVE', SOL_SOCKET, 9),
  d('SO_PRIORITY', SOL_SOCKET, 12),
  d('SO_LINGER', SOL_SOCKET, 13, 'linger'),
  d('SO_REUSEPORT', SOL_SOCKET, 15),
  d('SO_RCVLOWAT', SOL_SOCKET, 18),
  d('SO_BINDTODEVICE', SOL_SOCKET, 25, 'string'),
  d('SO_ACCEPTCONN', SOL_SOCKET, 30, 'int', 'r'),
  d('SO_SNDBUFFORCE', SOL_SOCKET, 32, 'int', 'w'),
  d('SO_RCVBUFFORCE', SOL_SOCKET, 33, 'int', 'w'),
  d('SO_MARK', SOL_SOCKET, 36),
  d('SO_PROTOCOL', SOL_SOCKET, 38, 'int', 'r'),
  d('SO_DOMAIN', SOL_SOCKET, 39, 'int', 'r'),
  d('SO_INCOMING_CPU', SOL_SOCKET, 49),
  // IPPROTO_TCP
  d('TCP_NODELAY', IPPROTO_TCP, 1),
  d('TCP_MAXSEG', IPPROTO_TCP, 2),
  d('TCP_CORK', IPPROTO_TCP, 3),
  d('TCP_KEEPIDLE', IPPROTO_TCP, 4),
  d('TCP_KEEPINTVL', IPPROTO_TCP, 5),
  d('TCP_KEEPCNT', IPPROTO_TCP, 6),
  d('TCP_SYNCNT', IPPROTO_TCP, 7),
  d('TCP_LINGER2', IPPROTO_TCP, 8),
  d('TCP_DEFER_ACCEPT', IPPROTO_TCP, 9, 'int', 'rw', 'seconds; read back rounded to the SYN-ACK retransmit schedule'),
  d('TCP_WINDOW_CLAMP', IPPROTO_TCP, 10),
  d('TCP_INFO', IPPROTO_TCP, 11, 'tcp_info', 'r'),
  d('TCP_QUICKACK', IPPROTO_TCP, 12),
  d('TCP_CONGESTION', IPPROTO_TCP, 13, 'string'),
  d('TCP_MD5SIG', IPPROTO_TCP, 14, 'md5sig', 'w', '{addr, key | keyHex, prefixlen?, ifindex?}; set only'),
  d('TCP_THIN_LINEAR_TIMEOUTS', IPPROTO_TCP, 16),
  d('TCP_USER_TIMEOUT', IPPROTO_TCP, 18),
  d('TCP_FASTOPEN', IPPROTO_TCP, 23, 'int', 'rw', 'listener: max pending TFO requests'),
  d('TCP_TIMESTAMP', IPPROTO_TCP, 24),
  d('TCP_NOTSENT_LOWAT', IPPROTO_TCP, 25),
  d('TCP_SAVE_SYN', IPPROTO_TCP, 27),
  d('TCP_SAVED_SYN', IPPROTO_TCP, 28, 'bytes', 'r', 'hex of the saved SYN headers (read once)'),
  d('TCP_FASTOPEN_CONNECT', IPPROTO_TCP, 30),
  d('TCP_FASTOPEN_KEY', IPPROTO_TCP, 33, 'bytes'),
  d('TCP_FASTOPEN_NO_COOKIE', IPPROTO_TCP, 34),
  d('TCP_TX_DELAY', IPPROTO_TCP, 37),
  // IPPROTO_IP
  d('IP_TOS', IPPROTO_IP, 1),
  d('IP_TTL', IPPROTO_IP, 2),
  d('IP_MTU_DISCOVER', IPPROTO_IP, 10),
  d('IP_MTU', IPPROTO_IP, 14, 'int', 'r'),
  d('IP_FREEBIND', IPPROTO_IP, 15),
  d('IP_TRANSPARENT', IPPROTO_IP, 19),
  d('IP_BIND_ADDRESS_NO_PORT', IPPROTO_IP, 24),
  // IPPROTO_IPV6
  d('IPV6_UNICAST_HOPS', IPPROTO_IPV6, 16),
  d('IPV6_MTU_DISCOVER', IPPROTO_IPV6, 23),
  d('IPV6_MTU', IPPROTO_IPV6, 24, 'int', 'r'),
  d('IPV6_V6ONLY', IPPROTO_IPV6, 26),
  d('IPV6_TCLASS', IPPROTO_IPV6, 67),
  d('IPV6_TRANSPARENT', IPPROTO_IPV6, 75),
  d('IPV6_FREEBIND', IPPROTO_IPV6, 78),
];

export const SOCKOPTS: ReadonlyMap<string, SockoptDef> = new Map(DEFS.map((x) => [x.name, x]));

export function sockoptNames(): string[] {
  return DEFS.map((x) => x.name);
}

export class UnknownSockoptError extends Error {
  constructor(name: string) {
    super(`unknown socket option ${JSON.stringify(name)}; known: ${sockoptNames().join(', ')}`);
    this.name = 'UnknownSockoptError';
  }
}

export function lookupSockopt(name: string): SockoptDef {
  const def = SOCKOPTS.get(name);
  if (!def) throw new UnknownSockoptError(name);
  return def;
}

function toInt(name: string, v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new TypeError(`${name}: expected an integer (or boolean), got ${JSON.stringify(v)}`);
}

function hexBytes(name: string, v: unknown): Buffer {
  if (typeof v !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(v)) throw new TypeError(`${name}: expected a hex string, got ${JSON.stringify(v)}`);
  return Buffer.from(v, 'hex');
}

/**
 * Encode a value for setsockopt. Returns the option buffer and the optname to use (TCP_MD5SIG
 * switches to TCP_MD5SIG_EXT when a prefix length or ifindex is given).
 */
export function encodeSockoptValue(def: SockoptDef, value: unknown, sockFamily?: Family): { buf: Buffer; opt: number } {
  if (def.access === 'r') throw new TypeError(`${def.name} is read-only`);
  switch (def.kind) {
    case 'int': {
      const b = Buffer.alloc(4);
      writeHostI32(b, toInt(def.name, value), 0);
      return { buf: b, opt: def.opt };
    }
    case 'linger': {
      const v = value as LingerValue;
      if (!v || typeof v !== 'object') throw new TypeError(`${def.name}: expected {onoff, linger}`);
      const b = Buffer.alloc(8);
      writeHostI32(b, toInt(`${def.name}.onoff`, v.onoff), 0);
      writeHostI32(b, toInt(`${def.name}.linger`, v.linger), 4);
      return { buf: b, opt: def.opt };
    }
    case 'md5sig': {
      const v = value as Md5sigValue;
      if (!v || typeof v !== 'object' || typeof v.addr !== 'string') throw new TypeError(`${def.name}: expected {addr, key | keyHex, prefixlen?, ifindex?}`);
      const key = v.keyHex !== undefined ? hexBytes(`${def.name}.keyHex`, v.keyHex) : Buffer.from(v.key ?? '', 'utf8');
      if (key.length > TCP_MD5SIG_MAXKEYLEN) throw new TypeError(`${def.name}: key longer than ${TCP_MD5SIG_MAXKEYLEN} bytes`);
      const b = Buffer.alloc(TCP_MD5SIG_LEN);
      encodeSockaddr(v.addr, 0, sockFamily).copy(b, 0);
      let flags = 0;
      let prefixlen = 0;
      if (v.prefixlen !== undefined) {
        flags |= TCP_MD5SIG_FLAG_PREFIX;
        prefixlen = v.prefixlen;
      }
      if (v.ifindex !== undefined) {
        flags |= TCP_MD5SIG_FLAG_IFINDEX;
      }
      b.writeUInt8(flags, SOCKADDR_STORAGE_LEN);
      b.writeUInt8(prefixlen, SOCKADDR_STORAGE_LEN + 1);
      writeHostU16(b, key.length, SOCKADDR_STORAGE_LEN + 2);
      writeHostI32(b, v.ifindex ?? 0, SOCKADDR_STORAGE_LEN + 4);
      key.copy(b, SOCKADDR_STORAGE_LEN + 8);
      return { buf: b, opt: flags ? TCP_MD5SIG_EXT : def.opt };
    }
    case 'string': {
      if (typeof value !== 'string') throw new TypeError(`${def.name}: expected a string`);
      return { buf: Buffer.from(value, 'utf8'), opt: def.opt };
    }
    case 'bytes':
      return { buf: hexBytes(def.name, value), opt: def.opt };
    case 'tcp_info':
      throw new TypeError(`${def.name} is read-only`);
  }
}

/** Decode a getsockopt result (b = buffer, len = the optlen the kernel returned). */
export function decodeSockoptValue(def: SockoptDef, b: Buffer, len: number): AgentSockoptValue {
  switch (def.kind) {
    case 'int':
      if (len >= 4) return readHostI32(b, 0);
      if (len === 2) return readHostU16(b, 0);
      if (len === 1) return b[0];
      return 0;
    case 'linger':
      return { onoff: readHostI32(b, 0), linger: readHostI32(b, 4) };
    case 'string': {
      const s = b.subarray(0, len);
      const nul = s.indexOf(0);
      return (nul >= 0 ? s.subarray(0, nul) : s).toString('utf8');
    }
    case 'bytes':
      return b.subarray(0, len).toString('hex');
    case 'tcp_info':
      return decodeTcpInfo(b, len);
    case 'md5sig':
      return b.subarray(0, len).toString('hex');
  }
}

/** struct tcp_info (linux/tcp.h): the fields up to tcpi_total_retrans (104 bytes), the segment counts and tcpi_delivered(_ce). */
export function decodeTcpInfo(b: Buffer, len = b.length): TcpInfoValue {
  const u32 = (i: number) => (8 + 4 * i + 4 <= len ? readHostU32(b, 8 + 4 * i) : 0);
  return {
    state: b[0],
    caState: b[1],
    retransmits: b[2],
    probes: b[3],
    backoff: b[4],
    options: b[5],
    sndWscale: b[6] & 0x0f,
    rcvWscale: b[6] >> 4,
    rto: u32(0),
    ato: u32(1),
    sndMss: u32(2),
    rcvMss: u32(3),
    unacked: u32(4),
    sacked: u32(5),
    lost: u32(6),
    retrans: u32(7),
    fackets: u32(8),
    lastDataSent: u32(9),
    lastAckSent: u32(10),
    lastDataRecv: u32(11),
    lastAckRecv: u32(12),
    pmtu: u32(13),
    rcvSsthresh: u32(14),
    rtt: u32(15),
    rttvar: u32(16),
    sndSsthresh: u32(17),
    sndCwnd: u32(18),
    advmss: u32(19),
    reordering: u32(20),
    rcvRtt: u32(21),
    rcvSpace: u32(22),
    totalRetrans: u32(23),
    // after four u64 rates and byte counts (offsets 104..135)
    segsOut: u32(32),
    segsIn: u32(33),
    notsentBytes: u32(34),
    minRtt: u32(35),
    dataSegsIn: u32(36),
    dataSegsOut: u32(37),
    // after four more u64 (160..191)
    delivered: u32(46),
    deliveredCe: u32(47),
  };
}

// host byte order helpers (all supported Linux targets of this harness are little-endian,
// but keep it explicit)
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function writeHostI32(b: Buffer, v: number, off: number): void {
  if (LE) b.writeInt32LE(v | 0, off);
  else b.writeInt32BE(v | 0, off);
}
function readHostI32(b: Buffer, off: number): number {
  return LE ? b.readInt32LE(off) : b.readInt32BE(off);
}
function readHostU32(b: Buffer, off: number): number {
  return LE ? b.readUInt32LE(off) : b.readUInt32BE(off);
}
function writeHostU16(b: Buffer, v: number, off: number): void {
  if (LE) b.writeUInt16LE(v, off);
  else b.writeUInt16BE(v, off);
}
function readHostU16(b: Buffer, off: number): number {
  return LE ? b.readUInt16LE(off) : b.readUInt16BE(off);
}
