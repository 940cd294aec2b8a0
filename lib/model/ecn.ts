// tcp_ecn_create_request: ECN negotiation on the passive side (spec §4.5).
import { AE, CWR, ECE, RESERVED_MASK } from '../wire/types';
import type { RuleId } from './reasons';
import type { ModelEnv } from './state';

export interface EcnDecision {
  ok: boolean;
  rule: RuleId;
  text: string;
}

/**
 * @param flags TCP flags of the SYN (12 bits incl. AE and reserved)
 * @param ipTos the SYN's TOS / traffic class byte (ECN field in the low 2 bits)
 */
export function ecnCreateRequest(env: ModelEnv, flags: number, ipTos: number): EcnDecision {
  if (!(flags & ECE) || !(flags & CWR)) {
    return { ok: false, rule: 'ecn.not-requested', text: flags & ECE ? 'SYN has ECE without CWR → no ECN' : flags & CWR ? 'SYN has CWR without ECE → no ECN' : 'SYN has neither ECE nor CWR → no ECN' };
  }
  // AccECN (AE+CWR+ECE) needs tcp_ecn >= 3, which 6.18 refuses (EINVAL): classic ECN rules apply.
  const ect = (ipTos & 3) !== 0;
  const resBits = (flags & (AE | RESERVED_MASK)) !== 0;
  const sysOk = env.sysctls.tcp_ecn !== 0 || env.route.ecn;
  if (env.route.ecnCa) return { ok: true, rule: 'ecn.ca-needs', text: 'route ECN_CA / CC requires ECN → ecn_ok' };
  if (!sysOk) return { ok: false, rule: 'ecn.sysctl-off', text: 'ECE+CWR but tcp_ecn=0 → no ECN' };
  if (!ect || resBits) {
    return {
      ok: true,
      rule: 'ecn.ok',
      text: `ECE+CWR, tcp_ecn=${env.sysctls.tcp_ecn}, ${ect ? 'ECT but AE/reserved bit set' : 'Not-ECT'}${flags & AE ? ' (AE: classic reply, AccECN unreachable with tcp_ecn ≤ 2)' : ''} → ECE`,
    };
  }
  return { ok: false, rule: 'ecn.ect-rfc3168', text: `ECE+CWR on an ECT(${ipTos & 3}) SYN without AE/reserved bits → no ECN` };
}
