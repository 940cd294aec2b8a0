// Words for verdicts: a model prediction, the written fields of a case pattern, a relative time.
import type { PacketPattern } from '../case';
import type { Prediction } from '../model';
import { HEX_FIELDS, hexNum, toHex } from '../wire/bytes';
import type { JsonNum, PacketJson } from '../wire/types';
import { flagsToString } from '../wire/flags';

/** "SA seq=* ack=1001 win=65160 [mss 1460,…]" */
export function describePrediction(p: Prediction): string {
  const t = p.packet.tcp;
  const opts = t.options.map((o) => o.join(' ')).join(',');
  return `${t.flags || '(none)'} seq=${t.seq} ack=${t.ack} win=${t.window}${t.len ? ` len=${t.len}` : ''}${opts ? ` [${opts}]` : ''} ${describeIp(p.packet.ip)}`;
}

/**
 * The IP fields of a prediction (the model's verdicts compare them too): "tos=0x00 ttl=64 df id=0",
 * "tclass=0x00 hlim=64 flow=*"; the TOS / traffic-class byte in hex, as the reasons write it.
 */
export function describeIp(ip: PacketJson['ip']): string {
  const n = (field: string, v: JsonNum): string => `${field}=${typeof v === 'number' && HEX_FIELDS.has(field) ? hexNum(v, 2) : v}`;
  if ('tos' in ip) return `${n('tos', ip.tos)} ${n('ttl', ip.ttl)} ${ip.df ? 'df' : '!df'} ${n('id', ip.id)}`;
  return `${n('tclass', ip.tclass)} ${n('hlim', ip.hlim)} ${n('flow', ip.flow)}`;
}

/** The written fields of a pattern, compactly: "SA seq=dut.isn ack=peer.isn+1 win=65160". */
export function describePattern(p: PacketPattern): string {
  const parts: string[] = [];
  if (p.flags) parts.push(p.flags.kind === 'exact' ? flagsToString(p.flags.flags) || '(no flags)' : `flags ${p.flags.text}`);
  for (const k of ['seq', 'ack', 'window', 'len', 'tsval', 'tsecr'] as const) {
    const m = p[k];
    if (m && m.kind !== 'any') parts.push(`${k === 'window' ? 'win' : k}=${m.text}`);
  }
  if (p.options?.kind === 'exact') parts.push(`[${p.options.items.map((i) => i.text).join(',')}]`);
  if (p.at) parts.push(`at ${p.at.text}`);
  return parts.join(' ') || 'any packet';
}

/** "+12.5 ms", "-0.3 ms" */
export function fmtRel(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${Math.abs(ms).toFixed(1)} ms`;
}

/** Bytes as a quoted string when printable, else hex:… */
export function bytesText(b: Uint8Array): string {
  const printable = b.length > 0 && b.every((c) => c >= 0x20 && c < 0x7f);
  return printable ? JSON.stringify(String.fromCharCode(...b)) : `hex:${toHex(b)}`;
}
