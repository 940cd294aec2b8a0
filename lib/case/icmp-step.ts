// The ICMP step's type and code, as a case writes them (packetdrill's names, type_N / code_N, numbers,
// or too_big: each family's path-MTU message), resolved for each family the case runs. Pure.
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMPV6_PKT_TOOBIG, icmpCodeByName, icmpCodeNames, icmpTypeByName, icmpTypeNames } from '../wire/icmp-names';
import { carriesMtu } from '../wire/icmp-names';
import { closest } from '../yaml-kit/suggest';

export type IcmpKind = { type: number; code: number };

/** Type and code for family `v`, or the problem (what is wrong and what to write). */
export function resolveIcmpKind(v: 4 | 6, type: string | number, code: string | number | undefined): IcmpKind | { problem: string; at: 'type' | 'code' } {
  if (type === 'too_big') {
    if (code !== undefined) return { problem: 'too_big has no code — drop code:', at: 'code' };
    return v === 4 ? { type: ICMP_DEST_UNREACH, code: ICMP_FRAG_NEEDED } : { type: ICMPV6_PKT_TOOBIG, code: 0 };
  }
  const t = typeof type === 'number' ? type : icmpTypeByName(v, type);
  if (t === undefined) {
    const g = closest(String(type), [...icmpTypeNames(v), 'too_big']);
    return {
      problem: `'${type}' is not an ICMP${v === 6 ? 'v6' : 'v4'} type — ${g ? `did you mean '${g}'? ` : ''}use ${icmpTypeNames(v).join(', ')}, type_N, a number or too_big`,
      at: 'type',
    };
  }
  if (code === undefined) return { type: t, code: 0 };
  const c = typeof code === 'number' ? code : icmpCodeByName(v, t, code);
  if (c === undefined) {
    const names = icmpCodeNames(v, t);
    const g = closest(String(code), names);
    return {
      problem: `'${code}' is not a code of ICMP${v === 6 ? 'v6' : 'v4'} ${type} — ${g ? `did you mean '${g}'? ` : ''}use ${names.length ? `${names.join(', ')}, ` : ''}code_N or a number`,
      at: 'code',
    };
  }
  return { type: t, code: c };
}

/** Whether an MTU belongs to this message (v4 frag_needed, v6 packet_too_big). */
export function icmpTakesMtu(v: 4 | 6, k: IcmpKind): boolean {
  return carriesMtu(v, k.type, k.code);
}
