// send steps: the packet the peer sends, every field defaulted (seq and ack from the flow's ISNs),
// its expressions bound to the flow, tfo=@label cookies resolved, IPv4-only fields checked. Pure.
import { ACK, SYN } from '../../../wire/types';
import type { RawSendOption } from '../../options';
import type { Mistakes, SendOption, SendStep, Value } from '../../types';
import { ECN_CODEPOINTS } from '../../vocab';
import { isnPacket, useValue } from '../bindings';
import type { CaseContext, Path, RawStep } from '../context';
import { DEFAULT_TTL, DEFAULT_WINDOW } from '../defaults';
import { flowRef } from '../flows';
import { defineLabel, resolveRef } from '../references';

type RawSend = NonNullable<RawStep['send']>;

export function normaliseSend(ctx: CaseContext, s: RawSend, path: Path, i: number): SendStep {
  const { setup, ip, ipName, problem } = ctx;
  const flow = flowRef(ctx, s.flow, [...path, 'flow']);
  const st = ctx.walk.bindings.get(flow)!;
  const flagsPath = [...path, 'flags'];
  let seq: Value;
  if (s.seq !== undefined) seq = useValue(ctx, s.seq, flow, [...path, 'seq'], false);
  else seq = { base: 'peer.isn', offset: s.flags & SYN ? 0 : 1, flow, text: s.flags & SYN ? 'peer.isn' : 'peer.isn+1' };
  let ack: Value;
  if (s.ack !== undefined) {
    ack = useValue(ctx, s.ack, flow, [...path, 'ack'], false);
  } else if (s.flags & ACK) {
    ack = { base: 'dut.isn', offset: 1, flow, text: 'dut.isn+1' };
    if (!st.dutIsn) {
      problem(
        flagsPath,
        setup.kind === 'closed'
          ? `this segment has ACK set, so its ack defaults to dut.isn+1, but a closed port never sends a SYN — give ack: explicitly`
          : `this segment has ACK set, so its ack defaults to dut.isn+1, but dut.isn is not known yet on flow ${flow} — add an expect that sees ${isnPacket(ctx)} before this send, or give ack: explicitly`,
      );
    }
  } else {
    ack = 0;
  }
  const options: SendOption[] = [];
  (s.options ?? []).forEach((o: RawSendOption, k) => {
    const p = [...path, 'options', k];
    if (o.kind === 'ts') options.push({ kind: 'ts', val: useValue(ctx, o.val, flow, p, false), ecr: useValue(ctx, o.ecr, flow, p, false) });
    else if (o.kind === 'sack')
      options.push({
        kind: 'sack',
        blocks: o.blocks.map(([l, r]) => [useValue(ctx, l, flow, p, false), useValue(ctx, r, flow, p, false)] as [Value, Value]),
      });
    else if (o.kind === 'tfo' && !(o.cookie instanceof Uint8Array) && 'label' in o.cookie) {
      const ref = resolveRef(ctx, o.cookie.label, p, i, 'tfo=@label');
      if (ref && ctx.walk.labels.get(o.cookie.label)?.kind !== 'expect') {
        problem(
          p,
          `tfo=@${o.cookie.label} copies the cookie from a packet the DUT sent, but '${o.cookie.label}' labels a sent packet — label the SYN-ACK that carries the cookie`,
        );
      }
      if (ref) options.push(o.exp ? { kind: 'tfo', cookie: { from: ref }, exp: true } : { kind: 'tfo', cookie: { from: ref } });
    } else options.push(o as SendOption);
  });
  if (s.ttl !== undefined && s.hlim !== undefined) problem([...path, 'hlim'], 'ttl and hlim are the same field — keep one of them', 'key');
  if (s.tos !== undefined && s.tclass !== undefined) problem([...path, 'tclass'], 'tos and tclass are the same field — keep one of them', 'key');
  let tos = s.tos ?? s.tclass ?? 0;
  if (s.ecn !== undefined) tos = (tos & 0xfc) | ECN_CODEPOINTS[s.ecn];
  const mistakes: Mistakes = {};
  const m = s.mistakes;
  if (m) {
    for (const k of ['ip_checksum', 'ip_total_length'] as const) {
      if (m[k] !== undefined && ip !== 4) {
        problem([...path, 'mistakes', k], `${k} exists only in IPv4 and this case has ${ipName} — move it to an ip: 4 case`, 'key');
      }
    }
    if (m.tcp_checksum !== undefined) mistakes.tcpChecksum = m.tcp_checksum;
    if (m.ip_checksum !== undefined) mistakes.ipChecksum = m.ip_checksum;
    if (m.data_offset !== undefined) mistakes.dataOffset = m.data_offset;
    if (m.ip_total_length !== undefined) mistakes.ipTotalLength = m.ip_total_length;
    if (m.reserved_bits !== undefined) mistakes.reservedBits = m.reserved_bits;
  }
  const to = s.to ?? 'dut';
  if ((to === 'broadcast' || to === 'limited-broadcast') && ip !== 4) {
    problem([...path, 'to'], `to: ${to} exists only in IPv4 and this case has ${ipName} — use to: multicast, or make it an ip: 4 case`);
  }
  const out: SendStep = {
    kind: 'send',
    index: i,
    pos: ctx.posOf(path, true),
    flow,
    flags: s.flags,
    seq,
    ack,
    window: s.window ?? DEFAULT_WINDOW,
    urg: s.urg ?? 0,
    options,
    payload: s.payload ?? new Uint8Array(0),
    tos,
    ttl: s.ttl ?? s.hlim ?? DEFAULT_TTL,
    mistakes,
    to,
  };
  if (s.label !== undefined) out.label = s.label;
  if (options.some((o) => o.kind === 'ts')) st.peerTs = true;
  defineLabel(ctx, s.label, [...path, 'label'], { step: i, packet: 0, kind: 'send' });
  return out;
}
