// Shared packet vocabulary for the codec, the model, the matcher and the harness.
// Pure types and constants: no I/O, no parsing here (see ipv4.ts, ipv6.ts, tcp.ts, tcp-options.ts).

/** TCP flag bits as they sit in the 12 bits after the data offset (byte 12 low nibble + byte 13). */
export const FIN = 0x001;
export const SYN = 0x002;
export const RST = 0x004;
export const PSH = 0x008;
export const ACK = 0x010;
export const URG = 0x020;
export const ECE = 0x040;
export const CWR = 0x080;
/** AE (AccECN, RFC 3540's old NS bit): byte 12 bit 0. */
export const AE = 0x100;
/** The three reserved bits left of AE: byte 12 bits 1..3. */
export const RESERVED_MASK = 0xe00;

/** The largest window-scale shift a receiver uses (RFC 7323 §2.3): a larger one is read as 14. */
export const TCP_MAX_WSCALE = 14;

/** Flag letters in scapy's order (F S R P A U E C N), N standing for AE. */
export const FLAG_LETTERS: ReadonlyArray<readonly [string, number]> = [
  ['F', FIN],
  ['S', SYN],
  ['R', RST],
  ['P', PSH],
  ['A', ACK],
  ['U', URG],
  ['E', ECE],
  ['C', CWR],
  ['N', AE],
];

/**
 * One TCP option, exactly as it sits on the wire. A parsed option list re-emits byte for byte.
 *  - well-formed known kinds get their own shape;
 *  - a well-formed TLV of a kind we do not name, or a known kind with a length the kernel would not
 *    accept (e.g. WS with len 4), is `unknown` (type + the bytes after kind/len; `len` is the length
 *    byte when it differs from data.length + 2);
 *  - anything that is not a TLV (truncated option, silly length < 2, lone kind byte at the end, bytes
 *    after EOL) is `bytes`: literal bytes, emitted as they are.
 */
export type TcpOption =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; shift: number }
  | { kind: 'sackOK' }
  | { kind: 'sack'; blocks: Array<[number, number]> }
  | { kind: 'ts'; val: number; ecr: number }
  /** Fast Open. cookie.length 0 = cookie request. exp = the experimental 254/0xF989 encoding. */
  | { kind: 'tfo'; cookie: Uint8Array; exp?: boolean }
  | { kind: 'md5'; digest: Uint8Array }
  | { kind: 'unknown'; type: number; data: Uint8Array; len?: number }
  | { kind: 'bytes'; bytes: Uint8Array; note?: string };

export const OPT_EOL = 0;
export const OPT_NOP = 1;
export const OPT_MSS = 2;
export const OPT_WSCALE = 3;
export const OPT_SACK_PERM = 4;
export const OPT_SACK = 5;
export const OPT_TS = 8;
export const OPT_MD5 = 19;
export const OPT_AO = 29;
export const OPT_TFO = 34;
export const OPT_EXP = 254;
export const TFO_EXP_MAGIC = 0xf989;

export interface Ipv4Repr {
  version: 4;
  ihl: number; // 32-bit words, 5 without options
  tos: number; // whole byte: DSCP << 2 | ECN
  totalLength: number;
  id: number;
  flags: number; // 3 bits: 0x4 reserved, 0x2 DF, 0x1 MF
  fragOffset: number; // in 8-byte units
  ttl: number;
  protocol: number;
  checksum: number;
  src: string; // dotted quad
  dst: string;
  options: Uint8Array; // raw IP options, (ihl-5)*4 bytes
}

export interface Ipv6Repr {
  version: 6;
  tclass: number;
  flow: number; // 20 bits
  payloadLength: number;
  nextHeader: number;
  hlim: number;
  src: string; // canonical compressed text form (RFC 5952)
  dst: string;
}

export type IpRepr = Ipv4Repr | Ipv6Repr;

export interface TcpRepr {
  sport: number;
  dport: number;
  seq: number; // unsigned 32
  ack: number; // unsigned 32
  dataOffset: number; // 32-bit words
  flags: number; // 12 bits incl. AE and reserved
  window: number;
  checksum: number;
  urg: number;
  options: TcpOption[];
  payload: Uint8Array;
}

/**
 * An ICMPv4 or ICMPv6 message (the family of the IP header carrying it): type, code, checksum, bytes
 * 4..7 as one number (the MTU of v4 frag_needed in its low 16 bits, of v6 packet_too_big in all 32),
 * and the body after the 8-byte header (for an error: the quoted packet), kept raw.
 */
export interface IcmpRepr {
  version: 4 | 6;
  type: number;
  code: number;
  checksum: number;
  rest: number;
  body: Uint8Array;
}

/** What an ICMP error quotes: the offending packet's IP header, and its TCP ports and seq when present. */
export interface IcmpQuote {
  ip: IpRepr;
  tcp?: { sport: number; dport: number; seq: number };
}

/** A decode note: something the decoder could not take at face value. Decoding never throws. */
export interface DecodeNote {
  layer: 'eth' | 'ip' | 'tcp' | 'options' | 'icmp';
  offset: number;
  message: string;
}

/** A decoded packet: every layer that could be parsed, plus the original bytes. */
export interface Decoded {
  bytes: Uint8Array;
  eth?: { dst: string; src: string; type: number };
  ip?: IpRepr;
  tcp?: TcpRepr;
  /** An ICMP message (instead of tcp); its body stays raw bytes, `icmpQuote` reads what an error quotes. */
  icmp?: IcmpRepr;
  icmpQuote?: IcmpQuote;
  /** ICMP checksum verified (undefined when no ICMP header was parsed). */
  icmpChecksumOk?: boolean;
  /** Whatever could not be parsed further, kept as raw bytes. */
  rest?: Uint8Array;
  /** IPv4 header checksum verified (undefined for IPv6 or when no IPv4 header was parsed). */
  ipChecksumOk?: boolean;
  /** TCP checksum over the pseudo-header verified (undefined when no TCP header was parsed). */
  tcpChecksumOk?: boolean;
  /** Offset of the TCP header in `bytes` (set with `tcp`): the option area is bytes[tcpOffset + 20, tcpOffset + dataOffset × 4). */
  tcpOffset?: number;
  notes: DecodeNote[];
}

// ---------------------------------------------------------------------------------------------
// The JSON packet shape shared by `synh predict --json` and `synh probe --json`, so a prediction and
// an observation compare directly. "*" stands for a value the kernel draws at random.

export type JsonNum = number | '*';

/**
 * Options as JSON tuples: ["mss",1460] ["wscale",10] ["sackOK"] ["sack",[l,r],...] ["ts",val,ecr]
 * ["nop"] ["eol"] ["tfo","hexcookie"] (["tfo","hex","exp"] for the experimental form) ["md5","hex"]
 * and ["kind",N,"hex"] for everything else (hex = bytes after kind and length; for `bytes` options
 * N is the first byte and hex the whole run).
 */
export type OptionJson = [string, ...Array<JsonNum | string | [number, number]>];

export interface Ipv4Json {
  ttl: JsonNum;
  tos: JsonNum;
  df: boolean;
  id: JsonNum;
}
export interface Ipv6Json {
  hlim: JsonNum;
  tclass: JsonNum;
  flow: JsonNum;
}

export interface TcpJson {
  sport: number;
  dport: number;
  seq: JsonNum;
  ack: JsonNum;
  flags: string; // scapy letters in FLAG_LETTERS order, e.g. "SA", "RA", "SAE"
  window: JsonNum;
  urg: number;
  options: OptionJson[];
  /** Present only when the segment carries payload: its length in bytes. */
  len?: number;
}

export interface PacketJson {
  ip: Ipv4Json | Ipv6Json;
  tcp: TcpJson;
}
