// Kernel profiles (spec §10): the measured 6.18 behaviour and the 6.1 differences.
import { Reason, reason } from './reasons';

export interface Profile {
  name: '6.18' | '6.1';
  /** tcp_syn_linear_timeouts exists (SYN_SENT keeps RTO 1 s for the first N timeouts). §8.3 */
  linearSynTimeouts: boolean;
  /** TS offset from the 4-tuple hash (6.18) or per address pair (6.1). §4.4, §10 */
  tsOffPerTuple: boolean;
  /** Third-ACK TSecr must lie within the SYN-ACK TSvals sent (6.18). §6 step 1 */
  tsecrCheck: boolean;
  /** RST and TIME_WAIT-ACK TOS: ECN bits cleared (6.18) or reflected as is (6.1). §3.5 */
  rstTosEcnClear: boolean;
  /** tcp_rto_min_us / tcp_rto_max_ms sysctls exist. */
  rtoSysctls: boolean;
  /** AccECN code present (inert while tcp_ecn <= 2). */
  accecn: boolean;
  /**
   * Auth-option pre-parse of every segment (§3.2, docs/model-corrections.md C1): 'auth' =
   * tcp_do_parse_auth_options (6.7+; a malformed option met while ≥ 18 bytes remain drops the segment
   * and suppresses RSTs), 'md5sig' = tcp_parse_md5sig_option (6.1; a malformed option only means "no
   * MD5 option").
   */
  authParse: 'auth' | 'md5sig';
  /** CONFIG_TCP_AO (6.7+ builds only): the walk bound becomes 5 bytes and AO options are checked. */
  tcpAo: boolean;
}

export const PROFILES: Readonly<Record<'6.18' | '6.1', Profile>> = {
  '6.18': { name: '6.18', linearSynTimeouts: true, tsOffPerTuple: true, tsecrCheck: true, rstTosEcnClear: true, rtoSysctls: true, accecn: true, authParse: 'auth', tcpAo: false },
  '6.1': { name: '6.1', linearSynTimeouts: false, tsOffPerTuple: false, tsecrCheck: false, rstTosEcnClear: false, rtoSysctls: false, accecn: false, authParse: 'md5sig', tcpAo: false },
};

/**
 * A profile for a kernel built with (or without) CONFIG_TCP_AO. The measured 6.18 machine has none.
 * 6.1 has no TCP-AO code at all, so the flag is ignored there.
 */
export function withKconfig(p: Profile, k: { tcpAo?: boolean } | undefined): Profile {
  if (!k || k.tcpAo === undefined || p.authParse !== 'auth' || k.tcpAo === p.tcpAo) return p;
  return { ...p, tcpAo: k.tcpAo };
}

/** Picks a profile from `uname -r` ("6.18.44-fc-v657", "6.1.0-28-cloud-amd64", "6.18"). */
export function profileFor(release: string | undefined): { profile: Profile; reason: Reason } {
  const rel = (release ?? '6.18').trim();
  const m = /^(\d+)\.(\d+)/.exec(rel);
  if (!m) {
    return { profile: PROFILES['6.18'], reason: reason('profile.nearest', `release "${rel}" unparsable → 6.18 [inferred]`) };
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major === 6 && minor === 18) return { profile: PROFILES['6.18'], reason: reason('profile.exact', `release ${rel} → profile 6.18 (measured)`) };
  if (major === 6 && minor === 1) return { profile: PROFILES['6.1'], reason: reason('profile.exact', `release ${rel} → profile 6.1 (§10)`) };
  // Nearest by version distance (minor numbers within major 6; anything older → 6.1, newer → 6.18).
  let pick: '6.18' | '6.1';
  if (major < 6) pick = '6.1';
  else if (major > 6) pick = '6.18';
  else pick = Math.abs(minor - 1) <= Math.abs(minor - 18) ? '6.1' : '6.18';
  return {
    profile: PROFILES[pick],
    reason: reason('profile.nearest', () => `release ${rel} is not a measured profile → nearest ${pick} [inferred]`),
  };
}
