// One-line descriptions of captured Ethernet frames for reports and ladders: "SA seq=… ack=… win=…
// mss=1460 ws=7". Decoding is the codec's (lib/wire, which never throws); this file only words it
// compactly. NOPs are padding and not worth a word each.
import { toHex } from '../../lib/wire/bytes';
import { decodeEthernet } from '../../lib/wire/decode';
import { ETH_HEADER, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../../lib/wire/ethernet';
import { flagsToString } from '../../lib/wire/flags';
import { icmpText } from '../../lib/wire/summary';
import { ACK, RESERVED_MASK, URG } from '../../lib/wire/types';
import type { Decoded, TcpOption } from '../../lib/wire/types';

export { toHex };

export interface SummaryOptions {
  /** Prefix "src:port > dst:port " (default false: the ladder already shows direction). */
  addrs?: boolean;
  /** Prefix "sport>dport " (a multi-flow ladder); ignored with `addrs`. */
  ports?: boolean;
}

export function tcpFlagLetters(flags: number): string {
  return flagsToString(flags);
}

function optionWord(o: TcpOption): string | undefined {
  switch (o.kind) {
    case 'nop':
      return undefined;
    case 'eol':
      return 'eol';
    case 'mss':
      return `mss=${o.value}`;
    case 'wscale':
      return `ws=${o.shift}`;
    case 'sackOK':
      return 'sackOK';
    case 'sack':
      return `sack=${o.blocks.map(([l, r]) => `${l}-${r}`).join(',')}`;
    case 'ts':
      return `ts=${o.val}/${o.ecr}`;
    case 'tfo':
      return `${o.exp ? 'tfo-exp' : 'tfo'}=${o.cookie.length ? toHex(o.cookie) : 'req'}`;
    case 'md5':
      return 'md5';
    case 'unknown':
      return `opt${o.type}/len${o.len ?? o.data.length + 2}`;
    case 'bytes':
      return o.bytes.every((b) => b === 0) ? undefined : `raw=${toHex(o.bytes)}?`;
  }
}

function hostPort(ip: string, port: number, v6: boolean): string {
  return v6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function describe(d: Decoded, opts: SummaryOptions): string {
  const { ip, tcp } = d;
  if (!ip) {
    if (d.eth) return d.eth.type === 0x0806 ? 'ARP' : `ethertype 0x${d.eth.type.toString(16).padStart(4, '0')}`;
    return `short frame (${d.bytes.length} bytes)`;
  }
  const v6 = ip.version === 6;
  if (!tcp && d.icmp) return `${opts.addrs ? `${ip.src} > ${ip.dst} ` : ''}${icmpText(d)}`;
  if (!tcp) {
    const proto = v6 ? ip.nextHeader : ip.protocol;
    const name = proto === 1 || proto === 58 ? `ICMP${v6 ? 'v6' : ''}` : proto === 17 ? 'UDP' : proto === 6 ? 'TCP (truncated)' : `IP proto=${proto}`;
    return `${opts.addrs ? `${ip.src} > ${ip.dst} ` : ''}${name}`;
  }
  const parts = [flagsToString(tcp.flags) || '.', `seq=${tcp.seq}`];
  if (tcp.flags & ACK || tcp.ack !== 0) parts.push(`ack=${tcp.ack}`);
  parts.push(`win=${tcp.window}`);
  if (tcp.flags & RESERVED_MASK) parts.push(`rsv=${(tcp.flags & RESERVED_MASK) >> 9}`);
  if (tcp.flags & URG || tcp.urg !== 0) parts.push(`urp=${tcp.urg}`);
  if (tcp.dataOffset < 5) parts.push(`doff=${tcp.dataOffset * 4}?`);
  for (const o of tcp.options) {
    const w = optionWord(o);
    if (w) parts.push(w);
  }
  if (tcp.payload.length > 0) parts.push(`len=${tcp.payload.length}`);
  const prefix = opts.addrs ? `${hostPort(ip.src, tcp.sport, v6)} > ${hostPort(ip.dst, tcp.dport, v6)} ` : opts.ports ? `${tcp.sport}>${tcp.dport} ` : '';
  return prefix + parts.join(' ');
}

/** The IP packet an Ethernet frame carries (IPv4 or IPv6 ethertype), or undefined. */
export function ipBytes(frame: Uint8Array): Uint8Array | undefined {
  if (frame.length <= ETH_HEADER) return undefined;
  const type = (frame[12] << 8) | frame[13];
  return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? frame.subarray(ETH_HEADER) : undefined;
}

/** A short description of an Ethernet frame. Never throws; odd frames are described as such. */
export function summarizePacket(frame: Uint8Array, opts: SummaryOptions = {}): string {
  return describe(decodeEthernet(frame), opts);
}
