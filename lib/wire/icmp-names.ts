// ICMPv4 (RFC 792, RFC 1191) and ICMPv6 (RFC 4443) type and code names, as packetdrill spells them
// (`< icmp unreachable frag_needed mtu 1200`), with `type_N` / `code_N` for any number. Pure data.

export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;

export const ICMP_DEST_UNREACH = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETERPROB = 12;
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_FRAG_NEEDED = 4;

export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PKT_TOOBIG = 2;
export const ICMPV6_TIME_EXCEED = 3;
export const ICMPV6_PARAMPROB = 4;

interface TypeInfo {
  type: number;
  name: string;
  codes?: Record<string, number>;
}

const V4_UNREACH_CODES: Record<string, number> = {
  net_unreachable: 0,
  host_unreachable: 1,
  protocol_unreachable: 2,
  port_unreachable: 3,
  frag_needed: 4,
  source_route_failed: 5,
  net_unknown: 6,
  host_unknown: 7,
  source_host_isolated: 8,
  net_prohibited: 9,
  host_prohibited: 10,
  net_unreachable_for_tos: 11,
  host_unreachable_for_tos: 12,
  packet_filtered: 13,
  precedence_violation: 14,
  precedence_cutoff: 15,
};

const V4_TYPES: TypeInfo[] = [
  { type: 0, name: 'echo_reply' },
  { type: ICMP_DEST_UNREACH, name: 'unreachable', codes: V4_UNREACH_CODES },
  { type: ICMP_SOURCE_QUENCH, name: 'source_quench' },
  { type: ICMP_REDIRECT, name: 'redirect' },
  { type: 8, name: 'echo_request' },
  { type: ICMP_TIME_EXCEEDED, name: 'time_exceeded' },
  { type: ICMP_PARAMETERPROB, name: 'parameter_problem' },
  { type: 13, name: 'timestamp_request' },
  { type: 14, name: 'timestamp_reply' },
];

const V6_TYPES: TypeInfo[] = [
  {
    type: ICMPV6_DEST_UNREACH,
    name: 'unreachable',
    codes: { net_unreachable: 0, no_route: 0, admin_prohibited: 1, not_neighbour: 2, address_unreachable: 3, port_unreachable: 4 },
  },
  { type: ICMPV6_PKT_TOOBIG, name: 'packet_too_big' },
  { type: ICMPV6_TIME_EXCEED, name: 'time_exceeded', codes: { exceeded_hop_limit: 0, exceeded_frag_time: 1 } },
  { type: ICMPV6_PARAMPROB, name: 'parameter_problem', codes: { header_field: 0, unknown_next_header: 1, unknown_option: 2 } },
  { type: 128, name: 'echo_request' },
  { type: 129, name: 'echo_reply' },
];

const tableOf = (v: 4 | 6): TypeInfo[] => (v === 4 ? V4_TYPES : V6_TYPES);

/** Every type name of a family (for error messages). */
export function icmpTypeNames(v: 4 | 6): string[] {
  return tableOf(v).map((t) => t.name);
}

/** Every code name of a type (for error messages); [] when the type has none. */
export function icmpCodeNames(v: 4 | 6, type: number): string[] {
  return Object.keys(tableOf(v).find((t) => t.type === type)?.codes ?? {});
}

/** The type byte of a name (`unreachable`, `type_3`), or undefined. */
export function icmpTypeByName(v: 4 | 6, name: string): number | undefined {
  const m = /^type_(\d+)$/.exec(name);
  if (m) return Number(m[1]) <= 255 ? Number(m[1]) : undefined;
  return tableOf(v).find((t) => t.name === name)?.type;
}

/** The code byte of a name for `type` (`frag_needed`, `code_4`), or undefined. */
export function icmpCodeByName(v: 4 | 6, type: number, name: string): number | undefined {
  const m = /^code_(\d+)$/.exec(name);
  if (m) return Number(m[1]) <= 255 ? Number(m[1]) : undefined;
  const codes = tableOf(v).find((t) => t.type === type)?.codes;
  return codes ? codes[name] : undefined;
}

/** The name of a type byte (`type_N` when unnamed). */
export function icmpTypeName(v: 4 | 6, type: number): string {
  return tableOf(v).find((t) => t.type === type)?.name ?? `type_${type}`;
}

/** The name of a code byte (`code_N` when unnamed; '' for code 0 of a type without names). */
export function icmpCodeName(v: 4 | 6, type: number, code: number): string {
  const codes = tableOf(v).find((t) => t.type === type)?.codes;
  const hit = codes && Object.entries(codes).find(([, c]) => c === code);
  if (hit) return hit[0];
  return code === 0 && !codes ? '' : `code_${code}`;
}

/** Error messages (they quote the offending packet): v4 3, 4, 5, 11, 12; v6 1..4 (RFC 4443 §2.1: types < 128). */
export function isIcmpError(v: 4 | 6, type: number): boolean {
  return v === 4 ? [3, 4, 5, 11, 12].includes(type) : type < 128;
}

/** Messages whose bytes 4..7 carry a path MTU: v4 unreachable/frag_needed (low 16 bits), v6 packet_too_big (32 bits). */
export function carriesMtu(v: 4 | 6, type: number, code: number): boolean {
  return v === 4 ? type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED : type === ICMPV6_PKT_TOOBIG;
}
