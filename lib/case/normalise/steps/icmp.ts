// icmp steps: an ICMP error about a packet the DUT sent — type and code resolved for each family the
// case runs (lib/case/icmp-step.ts), the MTU where it belongs, the quoted packet (an earlier expected
// packet, or a segment at a seq on the flow), IPv4-only mistakes checked. Pure.
import { SYN } from '../../../wire/types';
import { icmpTakesMtu, resolveIcmpKind } from '../../icmp-step';
import type { IcmpStep } from '../../types';
import { useValue } from '../bindings';
import type { CaseContext, Path, RawStep } from '../context';
import { flowRef } from '../flows';
import { resolveRef } from '../references';

type RawIcmp = NonNullable<RawStep['icmp']>;

export function normaliseIcmp(ctx: CaseContext, c: RawIcmp, path: Path, i: number): IcmpStep {
  const { ip, ipName, problem } = ctx;
  const families: Array<4 | 6> = ip === 'both' ? [4, 6] : [ip];
  const flow = flowRef(ctx, c.flow, [...path, 'flow']);
  const kinds: IcmpStep['icmp'] = {};
  const said = new Set<string>();
  for (const v of families) {
    const k = resolveIcmpKind(v, c.type, c.code);
    if ('problem' in k) {
      if (said.has(k.at)) continue;
      said.add(k.at);
      problem(
        [...path, k.at],
        `${k.problem}${families.length > 1 ? ` (this case has ${ipName}: the name must exist in both families; type: too_big is each family's path-MTU message)` : ''}`,
      );
      continue;
    }
    kinds[v] = k;
    if (c.mtu !== undefined && !icmpTakesMtu(v, k) && !said.has('mtu')) {
      said.add('mtu');
      problem([...path, 'mtu'], `an MTU belongs to unreachable frag_needed (ICMPv4) or packet_too_big (ICMPv6) only — drop mtu: or use type: too_big`, 'key');
    }
    if (c.mtu === undefined && icmpTakesMtu(v, k) && !said.has('no-mtu')) {
      said.add('no-mtu');
      problem(path, `a ${c.type} message carries the path MTU — add mtu: (e.g. mtu: 1200)`, 'key');
    }
  }
  let quote: IcmpStep['quote'];
  const q = c.quote;
  if (typeof q === 'string') {
    const ref = resolveRef(ctx, q.slice(1), [...path, 'quote'], i, 'quote');
    if (ref && (ref.label ? ctx.walk.labels.get(ref.label)?.kind !== 'expect' : ctx.walk.kinds[ref.step] !== 'expect'))
      problem([...path, 'quote'], `an ICMP error quotes a packet the DUT sent, but ${q} is a packet the peer sent — quote an expected packet`);
    quote = { ref: ref ?? { step: 0, packet: 0, text: q } };
  } else {
    const qp = q ? [...path, 'quote', 'seq'] : path;
    quote = { seq: useValue(ctx, q?.seq ?? { base: 'dut.isn', offset: 0, flow, text: 'dut.isn' }, flow, qp, false), len: q?.len ?? 0, flags: q?.flags ?? SYN };
  }
  const mistakes: IcmpStep['mistakes'] = {};
  if (c.mistakes?.icmp_checksum !== undefined) mistakes.icmpChecksum = c.mistakes.icmp_checksum;
  if (c.mistakes?.ip_checksum !== undefined) {
    if (ip !== 4)
      problem([...path, 'mistakes', 'ip_checksum'], `ip_checksum exists only in IPv4 and this case has ${ipName} — move it to an ip: 4 case`, 'key');
    mistakes.ipChecksum = c.mistakes.ip_checksum;
  }
  const written = c.code !== undefined ? { type: c.type, code: c.code } : { type: c.type };
  return { kind: 'icmp', index: i, pos: ctx.posOf(path, true), flow, icmp: kinds, written, ...(c.mtu !== undefined ? { mtu: c.mtu } : {}), quote, mistakes };
}
