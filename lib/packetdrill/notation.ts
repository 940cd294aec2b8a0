// A captured packet written the way a packetdrill script writes it ("S. 0:0(0) ack 1 win 65535
// <mss 1460,nop,nop,sackOK>"), its sequence numbers in the script's space (relative to the ISNs the
// case bound), for failure lines a packetdrill user recognises. Pure.
import { toHex } from '../wire/bytes';
import type { Decoded, TcpOption } from '../wire/types';
import { ACK, SYN } from '../wire/types';
import { PD_FLAGS } from './packets';

/** What maps live numbers into the script's: the flow's bound ISNs (undefined while unbound). */
export interface ScriptSpace {
  /** the DUT's live ISN */
  dutIsn?: number;
  /** the peer's ISN (the script's own numbers: live = script for a SYN) */
  peerIsn: number;
}

const rel = (v: number, base: number | undefined): number => (base === undefined ? v : (v - base) >>> 0);

export function pdFlags(flags: number): string {
  return PD_FLAGS.filter(([, b]) => flags & b)
    .map(([l]) => l)
    .join('');
}

/** The DUT's packet `d` in packetdrill notation (without the time and direction). */
export function pdPacketText(d: Decoded, sp: ScriptSpace): string {
  const t = d.tcp;
  if (!t) return `(not TCP: ${d.bytes.length} bytes)`;
  const seq = rel(t.seq, sp.dutIsn);
  const end = (seq + t.payload.length) >>> 0;
  let s = `${pdFlags(t.flags)} ${seq}:${end}(${t.payload.length})`;
  if (t.flags & ACK) s += ` ack ${t.flags & SYN ? t.ack : rel(t.ack, sp.peerIsn)}`;
  s += ` win ${t.window}`;
  if (t.options.length) s += ` <${t.options.map((o) => pdOption(o, sp)).join(',')}>`;
  return s;
}

function pdOption(o: TcpOption, sp: ScriptSpace): string {
  switch (o.kind) {
    case 'eol':
      return 'eol';
    case 'nop':
      return 'nop';
    case 'mss':
      return `mss ${o.value}`;
    case 'wscale':
      return `wscale ${o.shift}`;
    case 'sackOK':
      return 'sackOK';
    case 'sack':
      return `sack ${o.blocks.map(([l, r]) => `${rel(l, sp.peerIsn)}:${rel(r, sp.peerIsn)}`).join(' ')}`;
    case 'ts':
      return `TS val ${o.val} ecr ${o.ecr}`;
    case 'tfo':
      return `${o.exp ? 'FOEXP' : 'FO'}${o.cookie.length ? ` ${toHex(o.cookie)}` : ''}`;
    case 'md5':
      return `md5 ${toHex(o.digest)}`;
    case 'unknown':
      return `kind ${o.type} ${toHex(o.data)}`;
    case 'bytes':
      return `bytes ${toHex(o.bytes)}`;
  }
}
