// The incoming segment as the model reads it (addresses, ports, numbers, flags, lengths).
import type { Decoded, TcpRepr } from '../../wire/types';
import { emitOptions } from '../../wire/tcp-options';
import { FIN, SYN } from '../../wire/types';
import { tupleKey } from './state';

export interface Seg {
  readonly d: Decoded;
  readonly ipv: 4 | 6;
  readonly src: string;
  readonly dst: string;
  /** v4 TOS byte / v6 traffic class. */
  readonly tos: number;
  readonly sport: number;
  readonly dport: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  /** Payload length. */
  readonly len: number;
  /** SEG.SEQ + SYN + FIN + LEN. */
  readonly endSeq: number;
  readonly doff: number;
  /** The 4-tuple key of the socket tables (tupleKey(src, sport, dport)), built once per segment. */
  readonly key: string;
  /** The auth-option walk of this segment and the parser flavour it was made for (auth-options.ts authOf). */
  authKey: string | undefined;
  auth: unknown;
  /** The option area: areaBytes[areaStart, areaEnd) (areaStartIn). */
  readonly areaBytes: Uint8Array;
  readonly areaStart: number;
  readonly areaEnd: number;
}

/**
 * The segment's option area as received (the doff×4 − 20 bytes after the fixed header), as a view:
 * seg.areaBytes[seg.areaStart, seg.areaEnd). For tests and reports; the parsers read the range.
 */
export function optionArea(seg: Seg): Uint8Array {
  return seg.areaBytes.subarray(seg.areaStart, seg.areaEnd);
}

/**
 * Where the option area of a decoded packet starts in d.bytes: the decoder read the option list from
 * there (decodeIp / decodeEthernet set tcpOffset; parseTcp parsed bytes[tcpOffset + 20, + n)). -1 for
 * a Decoded built otherwise: its option list is then re-emitted (the codec round-trips byte-exact).
 * (No typed-array byteOffset/buffer reads here: each costs tens of ns on V8, per segment.)
 */
function areaStartIn(d: Decoded, t: TcpRepr): number {
  return d.tcpOffset !== undefined && t.options.length > 0 ? d.tcpOffset + 20 : -1;
}

/**
 * Builds a Seg from a Decoded that has ip and tcp. An object literal with the key built eagerly: a
 * class with a lazily built key measured ~4% more instructions per prediction (valgrind, --predictable).
 */
export function segOf(d: Decoded): Seg {
  const ip = d.ip!;
  const t = d.tcp!;
  const len = t.payload.length;
  const n = t.dataOffset * 4 - 20;
  let areaBytes = d.bytes;
  let areaStart = n > 0 ? areaStartIn(d, t) : 0;
  if (areaStart < 0) {
    areaBytes = emitOptions(t.options);
    areaStart = 0;
  }
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
    doff: t.dataOffset,
    key: tupleKey(ip.src, t.sport, t.dport),
    authKey: undefined,
    auth: undefined,
    areaBytes,
    areaStart,
    areaEnd: n > 0 ? areaStart + n : areaStart,
  };
}
