// tcp_ecn_create_request: ECN negotiation on the passive side (spec §4.5).
import { AE, CWR, ECE, RESERVED_MASK } from '../../wire/types';
import { Reason, reason } from '../core/reasons';
import type { ModelEnv } from '../core/state';

export interface EcnDecision {
  readonly ok: boolean;
  /** The decision's reason (rule + text); the fixed decisions share one immutable Reason. */
  readonly reason: Reason;
}

/** The ACE field of a segment's flags: AE CWR ECE as a 3-bit number (AccECN). */
export function aceOf(flags: number): number {
  return (flags & AE ? 4 : 0) | (flags & CWR ? 2 : 0) | (flags & ECE ? 1 : 0);
}

function decision(ok: boolean, r: Reason): EcnDecision {
  return { ok, reason: r };
}

const NO_ECE_NO_CWR = decision(false, reason('ecn.not-requested', 'SYN has neither ECE nor CWR → no ECN'));
const ECE_ONLY = decision(false, reason('ecn.not-requested', 'SYN has ECE without CWR → no ECN'));
const CWR_ONLY = decision(false, reason('ecn.not-requested', 'SYN has CWR without ECE → no ECN'));
const CA_NEEDS = decision(true, reason('ecn.ca-needs', 'route ECN_CA / CC requires ECN → ecn_ok'));
const SYSCTL_OFF = decision(false, reason('ecn.sysctl-off', 'ECE+CWR but tcp_ecn=0 → no ECN'));

/**
 * @param flags TCP flags of the SYN (12 bits incl. AE and reserved)
 * @param ipTos the SYN's TOS / traffic class byte (ECN field in the low 2 bits)
 */
export function ecnCreateRequest(env: ModelEnv, flags: number, ipTos: number): EcnDecision {
  if (!(flags & ECE) || !(flags & CWR)) return flags & ECE ? ECE_ONLY : flags & CWR ? CWR_ONLY : NO_ECE_NO_CWR;
  // AccECN (AE+CWR+ECE) needs tcp_ecn >= 3, which 6.18 refuses (EINVAL): classic ECN rules apply.
  const ect = (ipTos & 3) !== 0;
  const resBits = (flags & (AE | RESERVED_MASK)) !== 0;
  const sysOk = env.sysctls.tcp_ecn !== 0 || env.route.ecn;
  if (env.route.ecnCa) return CA_NEEDS;
  if (!sysOk) return SYSCTL_OFF;
  if (!ect || resBits) {
    return {
      ok: true,
      reason: reason(
        'ecn.ok',
        `ECE+CWR, tcp_ecn=${env.sysctls.tcp_ecn}, ${ect ? 'ECT but AE/reserved bit set' : 'Not-ECT'}${flags & AE ? ' (AE: classic reply, AccECN unreachable with tcp_ecn ≤ 2)' : ''} → ECE`,
      ),
    };
  }
  return { ok: false, reason: reason('ecn.ect-rfc3168', `ECE+CWR on an ECT(${ipTos & 3}) SYN without AE/reserved bits → no ECN`) };
}
