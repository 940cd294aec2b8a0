// Packet summaries: the shared JSON shape (PacketJson) and a one-line tcpdump-like text.
import { hexNum, toHex } from './bytes';
import { flagsToString } from './flags';
import { icmpMtu } from './icmp';
import { icmpCodeName, icmpTypeName } from './icmp-names';
import { optionToJson } from './tcp-options';
import { ACK, Decoded, PacketJson, RESERVED_MASK, TcpOption, URG } from './types';

/** Zero bytes after an EOL: padding, left out of JSON and text summaries. */
function isPadding(o: TcpOption, prev: TcpOption | undefined): boolean {
  return o.kind === 'bytes' && prev?.kind === 'eol' && o.bytes.every((b) => b === 0);
}

function visibleOptions(opts: readonly TcpOption[]): TcpOption[] {
  return opts.filter((o, i) => !isPadding(o, opts[i - 1]));
}

/**
 * The JSON shape of an IP+TCP packet (undefined if either layer is missing). Zero padding after an
 * EOL is left out of `options` (the EOL itself stays); `len` is present only with payload.
 */
export function toPacketJson(d: Decoded): PacketJson | undefined {
  const { ip, tcp } = d;
  if (!ip || !tcp) return undefined;
  const json: PacketJson = {
    ip: ip.version === 4 ? { ttl: ip.ttl, tos: ip.tos, df: (ip.flags & 2) !== 0, id: ip.id } : { hlim: ip.hlim, tclass: ip.tclass, flow: ip.flow },
    tcp: {
      sport: tcp.sport,
      dport: tcp.dport,
      seq: tcp.seq,
      ack: tcp.ack,
      flags: flagsToString(tcp.flags),
      window: tcp.window,
      urg: tcp.urg,
      options: visibleOptions(tcp.options).map(optionToJson),
    },
  };
  if (tcp.payload.length > 0) json.tcp.len = tcp.payload.length;
  return json;
}

/** tcpdump-like text of one option: "mss 1460", "TS val 5 ecr 100", "sack 1 {1:2}"… */
export function optionToText(o: TcpOption): string {
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
      return `sack ${o.blocks.length} ${o.blocks.map(([l, r]) => `{${l}:${r}}`).join('')}`;
    case 'ts':
      return `TS val ${o.val} ecr ${o.ecr}`;
    case 'tfo':
      return `${o.exp ? 'exp-tfo' : 'tfo'} ${o.cookie.length === 0 ? 'cookiereq' : `cookie ${toHex(o.cookie)}`}`;
    case 'md5':
      return `md5 ${toHex(o.digest)}`;
    case 'unknown':
      return o.data.length === 0 ? `unknown-${o.type}` : `unknown-${o.type} 0x${toHex(o.data)}`;
    case 'bytes':
      return `raw ${toHex(o.bytes)}`;
  }
}

const hex = (n: number): string => hexNum(n);

/**
 * An ICMP message in packetdrill's words, with what it quotes: "icmp unreachable frag_needed mtu 800
 * [198.18.0.1.8080 > 198.18.0.2.40000 seq 12345]" (undefined when the packet carries no ICMP).
 */
export function icmpText(d: Decoded): string | undefined {
  const m = d.icmp;
  if (!m) return undefined;
  const v = m.version;
  const code = icmpCodeName(v, m.type, m.code);
  const mtu = icmpMtu(m);
  let s = `icmp${v === 6 ? '6' : ''} ${icmpTypeName(v, m.type)}${code ? ` ${code}` : ''}${mtu !== undefined ? ` mtu ${mtu}` : ''}`;
  const q = d.icmpQuote;
  if (q) {
    const proto = q.ip.version === 4 ? q.ip.protocol : q.ip.nextHeader;
    s += q.tcp ? ` [${q.ip.src}.${q.tcp.sport} > ${q.ip.dst}.${q.tcp.dport} seq ${q.tcp.seq}]` : ` [${q.ip.src} > ${q.ip.dst} proto ${proto}]`;
  } else if (m.body.length) s += ` [${m.body.length} bytes]`;
  return s;
}

/**
 * One human line, tcpdump style:
 * "IP tos 0x0 ttl 64 id 0 DF 198.18.0.1.8080 > 198.18.0.2.40000: Flags [SA] seq 123 ack 1001
 * win 65160 options [mss 1460,sackOK,TS val 5 ecr 100,nop,wscale 10] length 0", then bad checksums
 * and decode notes in brackets.
 */
export function formatPacket(d: Decoded): string {
  const parts: string[] = [];
  const { ip, tcp } = d;
  if (ip?.version === 4) {
    let s = `IP tos ${hex(ip.tos)} ttl ${ip.ttl} id ${ip.id}`;
    if (ip.flags & 4) s += ' RB';
    if (ip.flags & 2) s += ' DF';
    if (ip.flags & 1) s += ' MF';
    if (ip.fragOffset) s += ` offset ${ip.fragOffset * 8}`;
    if (ip.ihl !== 5) s += ` ihl ${ip.ihl}`;
    parts.push(s);
  } else if (ip?.version === 6) {
    parts.push(`IP6 tclass ${hex(ip.tclass)} flow ${hex(ip.flow)} hlim ${ip.hlim}`);
  } else if (d.eth) {
    parts.push(`${d.eth.src} > ${d.eth.dst} ethertype ${hex(d.eth.type)}`);
  }
  if (ip && tcp) {
    let s = `${ip.src}.${tcp.sport} > ${ip.dst}.${tcp.dport}: Flags [${flagsToString(tcp.flags)}]`;
    if (tcp.flags & RESERVED_MASK) s += ` res ${hex((tcp.flags & RESERVED_MASK) >> 9)}`;
    s += ` seq ${tcp.seq}`;
    if (tcp.flags & ACK || tcp.ack !== 0) s += ` ack ${tcp.ack}`;
    s += ` win ${tcp.window}`;
    if (tcp.flags & URG || tcp.urg !== 0) s += ` urg ${tcp.urg}`;
    const opts = visibleOptions(tcp.options);
    if (opts.length > 0) s += ` options [${opts.map(optionToText).join(',')}]`;
    s += ` length ${tcp.payload.length}`;
    parts.push(s);
  } else if (ip && d.icmp) {
    parts.push(`${ip.src} > ${ip.dst}: ${icmpText(d)}`);
  } else if (ip) {
    const proto = ip.version === 4 ? ip.protocol : ip.nextHeader;
    parts.push(`${ip.src} > ${ip.dst}: proto ${proto}`);
  }
  if (d.rest && d.rest.length > 0) parts.push(`raw ${d.rest.length} bytes`);
  if (parts.length === 0) parts.push(`${d.bytes.length} bytes`);
  if (d.ipChecksumOk === false && ip?.version === 4) parts.push(`[bad ip cksum ${hex(ip.checksum)}]`);
  if (d.tcpChecksumOk === false && tcp) parts.push(`[bad tcp cksum ${hex(tcp.checksum)}]`);
  if (d.icmpChecksumOk === false && d.icmp) parts.push(`[bad icmp cksum ${hex(d.icmp.checksum)}]`);
  for (const n of d.notes) parts.push(`[${n.layer}@${n.offset}: ${n.message}]`);
  return parts.join(' ');
}
