// The incoming segment as the model reads it (addresses, ports, numbers, flags, lengths).
import type { Decoded, TcpOption } from '../wire/types';
import { FIN, SYN } from '../wire/types';
import { tupleKey } from './state';

export interface Seg {
  d: Decoded;
  ipv: 4 | 6;
  src: string;
  dst: string;
  /** v4 TOS byte / v6 traffic class. */
  tos: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** Payload length. */
  len: number;
  /** SEG.SEQ + SYN + FIN + LEN. */
  endSeq: number;
  options: readonly TcpOption[];
  doff: number;
  /** The 4-tuple key of the socket tables (tupleKey(src, sport, dport)), built once per segment. */
  key: string;
  /** The auth-option walk of this segment, computed once (auth-options.ts authOf). */
  authMemo?: { key: string; value: unknown };
}

/** Builds a Seg from a Decoded that has ip and tcp. */
export function segOf(d: Decoded): Seg {
  const ip = d.ip!;
  const t = d.tcp!;
  const len = t.payload.length;
  return {
    d,
    ipv: ip.version,
    src: ip.src,
    dst: ip.dst,
    tos: ip.version === 4 ? ip.tos : ip.tclass,
    sport: t.sport,
    dport: t.dport,
    seq: t.seq >>> 0,
    ack: t.ack >>> 0,
    flags: t.flags,
    window: t.window,
    len,
    endSeq: (t.seq + len + (t.flags & SYN ? 1 : 0) + (t.flags & FIN ? 1 : 0)) >>> 0,
    options: t.options,
    doff: t.dataOffset,
    key: tupleKey(ip.src, t.sport, t.dport),
    authMemo: undefined,
  };
}
