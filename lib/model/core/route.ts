// Route facts: MTU → advmss (spec §4.8, §9), route metrics used by §4.7.

/** IPv4 advmss = MTU − 40 (min 256, cap 65495); IPv6 = MTU − 60 (min 1220, cap 65535 [inferred]). */
export function advmssFor(ip: 4 | 6, mtu: number): number {
  if (ip === 4) return Math.min(65495, Math.max(256, mtu - 40));
  return Math.min(65535, Math.max(1220, mtu - 60));
}

/** mss_clamp when the SYN has no MSS option: 536 (IPv4, TCP_MSS_DEFAULT) or 1220 (IPv6). §4.3, §9 */
export function defaultMssClamp(ip: 4 | 6): number {
  return ip === 4 ? 536 : 1220;
}

export interface RouteFacts {
  mtu: number;
  advmss: number;
  /** RTAX_WINDOW metric (0 = none). */
  window: number;
  /** RTAX_INITRWND metric in segments (0 = none). */
  initrwnd: number;
  /** route feature ecn (RTAX_FEATURES). */
  ecn: boolean;
  /** route ECN_CA feature, or a congestion control that needs ECN (DCTCP): ecn_ok regardless. */
  ecnCa: boolean;
  /** The congestion control needs ECN (DCTCP): SYN-ACK IP ECN field ECT(0) [inferred]. */
  ccEcn: boolean;
}
