// Kernel profiles: what the model needs to know about a kernel version. Every behaviour that differs
// between the kernels synharness has met is a version fact — the flag, the mainline release that
// brought today's behaviour, the stable releases that got it too, and how we know — and a kernel's
// profile is those facts evaluated at its version. The kernels measured here name the nearest
// profile (and how far it is) in every prediction's reasons; docs/model-corrections.md tells the
// story of each fact.
import { Reason, reason } from './reasons';

/** major.minor.sublevel. */
export type KernelVersion = readonly [number, number, number];

export interface ProfileFlags {
  /** tcp_syn_linear_timeouts exists (SYN_SENT keeps RTO 1 s for the first N timeouts). §8.3 */
  linearSynTimeouts: boolean;
  /** TS offset from the 4-tuple hash, or per address pair. §4.4, §10 */
  tsOffPerTuple: boolean;
  /** Third-ACK TSecr must lie within the SYN-ACK TSvals sent. §6 step 1 */
  tsecrCheck: boolean;
  /** RST and TIME_WAIT-ACK TOS: ECN bits cleared, or reflected as is. §3.5 */
  rstTosEcnClear: boolean;
  /** tcp_rto_max_ms caps the SYN back-off (tcp_rto_min_us / tcp_rto_max_ms sysctls exist). */
  rtoSysctls: boolean;
  /** AccECN code present (inert while tcp_ecn <= 2). */
  accecn: boolean;
  /**
   * Auth-option pre-parse of every segment (§3.2, docs/model-corrections.md C1): 'auth' =
   * tcp_do_parse_auth_options (a malformed option met while ≥ 18 bytes remain drops the segment and
   * suppresses RSTs), 'md5sig' = tcp_parse_md5sig_option (a malformed option only means "no MD5 option").
   */
  authParse: 'auth' | 'md5sig';
  /** CONFIG_TCP_AO (builds with the auth parser only): the walk bound becomes 5 bytes and AO options are checked. */
  tcpAo: boolean;
  /**
   * A SYN that reincarnates a TIME_WAIT connection gets the ISN the TIME_WAIT socket chose
   * (tw_snd_nxt + 65535 + 2), or a fresh one (the chosen ISN was lost on its way to tcp_conn_request).
   */
  twIsnReuse: boolean;
  /**
   * ESTABLISHED: an ACK of data never sent (SEG.ACK > SND.NXT) draws a challenge ACK (RFC 5961 §5.2),
   * or is dropped silently. §8.6, C9
   */
  unsentAckChallenge: boolean;
  /**
   * PAWS on a full socket: a pure ACK below rcv_nxt that fails PAWS is dropped silently (PAWSOldAck),
   * or answered like any PAWS failure with a duplicate ACK (PAWSEstab). §8.6, C12
   */
  pawsOldAckSilent: boolean;
}

export interface VersionFact<K extends keyof ProfileFlags = keyof ProfileFlags> {
  flag: K;
  /** The mainline release that brought `now` (kernels older than it, and not backported, have `before`). */
  since: string;
  /** Stable releases of older branches that have `now` too ("6.1.192": that branch from that sublevel on). */
  backports?: readonly string[];
  now: ProfileFlags[K];
  before: ProfileFlags[K];
  /** What changed, in the kernel's words (function, behaviour). */
  what: string;
  /** How we know: the kernels measured on both sides, or "[reading]" when only read. */
  evidence: string;
}

/** The kernels measured against the suite (debian:6.1, debian:6.12 under qemu; the project's host). */
export const MEASURED_KERNELS: readonly string[] = ['6.18.44', '6.12.118', '6.1.192'];

export const VERSION_FACTS: readonly VersionFact[] = [
  {
    flag: 'linearSynTimeouts',
    since: '6.5',
    now: true,
    before: false,
    what: 'tcp_syn_linear_timeouts: the first N SYN retransmissions of an active open at a linear 1 s (tcp_retransmit_timer)',
    evidence: 'sysctl present on 6.12.118 and 6.18.44, absent on 6.1.192',
  },
  {
    flag: 'authParse',
    since: '6.7',
    now: 'auth',
    before: 'md5sig',
    what: 'tcp_do_parse_auth_options (TCP-AO series) replaces tcp_parse_md5sig_option: a malformed option in the walk drops the segment',
    evidence: 'options/*-dropped and listener/ao-option-short-dropped: SYN dropped on 6.12.118 and 6.18.44, queued on 6.1.192',
  },
  {
    flag: 'twIsnReuse',
    since: '6.10',
    now: true,
    before: false,
    what: 'the ISN tcp_timewait_state_process picks reaches tcp_conn_request (a per-CPU tcp_tw_isn instead of a skb field that was cleared on the way)',
    evidence: 'passive-open/time-wait-reincarnation: reused on 6.12.118 and 6.18.44, fresh on 6.1.192; release from reading',
  },
  {
    flag: 'rtoSysctls',
    since: '6.16',
    now: true,
    before: false,
    what: 'tcp_rto_max_ms caps the retransmission back-off (tcp_rto_min_us since 6.11)',
    evidence: '[reading]',
  },
  {
    flag: 'tsecrCheck',
    since: '6.13',
    now: true,
    before: false,
    what: 'tcp_check_req drops a third ACK whose TSecr is not a TSval the SYN-ACKs carried',
    evidence: 'check-req/tsecr-outside-range-ack, c10: checked on 6.18.44, not on 6.12.118 or 6.1.192 (the release is bracketed: after 6.12, by 6.18)',
  },
  {
    flag: 'unsentAckChallenge',
    since: '6.13',
    now: true,
    before: false,
    what: 'tcp_ack answers an ACK beyond snd_nxt on an ESTABLISHED socket with a challenge ACK instead of dropping it silently',
    evidence: 'fuzz-regressions/c09: challenge ACK on 6.18.44, silence on 6.12.118 and 6.1.192 (the release is bracketed: after 6.12, by 6.18)',
  },
  {
    flag: 'pawsOldAckSilent',
    since: '6.13',
    now: true,
    before: false,
    what: 'tcp_validate_incoming drops a pure ACK below rcv_nxt that fails PAWS without a duplicate ACK (LINUX_MIB_PAWS_OLD_ACK)',
    evidence: 'fuzz-regressions/c12: silence on 6.18.44, a duplicate ACK on 6.12.118 and 6.1.192 (the release is bracketed: after 6.12, by 6.18)',
  },
  {
    flag: 'accecn',
    since: '6.18',
    now: true,
    before: false,
    what: 'Accurate ECN (RFC 9768) negotiation in tcp_ecn_* helpers',
    evidence: 'c18-synsent-accecn: AccECN ACK on 6.18.44, classic ECN on 6.12.118 and 6.1.192',
  },
  {
    flag: 'tsOffPerTuple',
    since: '6.12',
    backports: ['6.1.192'],
    now: true,
    before: false,
    what: 'tcp_ts_off from the 4-tuple hash instead of the address pair',
    evidence:
      'two flows between one address pair get different offsets on 6.1.192, 6.12.118 and 6.18.44 (syncookie-on-overflow); older stable releases per address pair [reading]',
  },
  {
    flag: 'rstTosEcnClear',
    since: '6.1',
    now: true,
    before: false,
    what: 'tcp_v4_send_reset / tcp_v4_send_ack clear the ECN bits of the reflected TOS',
    evidence: 'ip-fields/rst-tos-ecn-cleared: cleared on 6.1.192, 6.12.118 and 6.18.44 (the reading said reflected on 6.1: wrong)',
  },
];

export interface Profile extends ProfileFlags {
  /** major.minor of the version judged ("6.1", "6.12", "6.18"). */
  name: string;
  version: KernelVersion;
}

/** "6.1.192", "6.12.118+deb12-cloud-amd64", "6.18.44-fc-v657", "6.1" → [6, 1, 192] …; undefined when not a version. */
export function parseKernelVersion(text: string): KernelVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function versionText(v: KernelVersion): string {
  return `${v[0]}.${v[1]}.${v[2]}`;
}

export function compareVersions(a: KernelVersion, b: KernelVersion): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * The upstream version of a kernel: the release when it carries one ("6.12.118+deb12"), else the one
 * in its version string (`uname -v`: "… Debian 6.1.192-3 (2026-11-26)", whose release is "6.1.0-57").
 */
export function kernelVersionOf(release: string, version?: string): KernelVersion | undefined {
  const r = parseKernelVersion(release);
  const fromVersion = version ? /(?:Debian|Ubuntu|linux-)\s*(\d+\.\d+\.\d+)/.exec(version)?.[1] : undefined;
  const v = fromVersion ? parseKernelVersion(fromVersion) : undefined;
  if (r && v && r[0] === v[0] && r[1] === v[1] && (r[2] === 0 || /^\d+\.\d+\.0-/.test(release))) return v;
  return r ?? v;
}

function holds(f: VersionFact, v: KernelVersion): boolean {
  if (compareVersions(v, parseKernelVersion(f.since)!) >= 0) return true;
  return (f.backports ?? []).some((b) => {
    const s = parseKernelVersion(b)!;
    return s[0] === v[0] && s[1] === v[1] && v[2] >= s[2];
  });
}

/** The flags of a kernel version: each fact's `now` or `before`. */
export function profileForVersion(v: KernelVersion): Profile {
  const flags: Record<string, unknown> = { tcpAo: false };
  for (const f of VERSION_FACTS) flags[f.flag] = holds(f, v) ? f.now : f.before;
  return { ...(flags as unknown as ProfileFlags), name: `${v[0]}.${v[1]}`, version: v };
}

/** The facts on which two versions differ (what `synh compare` and the reasons name). */
export function factsBetween(a: KernelVersion, b: KernelVersion): VersionFact[] {
  return VERSION_FACTS.filter((f) => holds(f, a) !== holds(f, b));
}

/** Distance between versions, for "nearest measured": minor releases first, then sublevels. */
function distance(a: KernelVersion, b: KernelVersion): number {
  return Math.abs(a[0] * 100 + a[1] - (b[0] * 100 + b[1])) * 1000 + Math.abs(a[2] - b[2]);
}

export function nearestMeasured(v: KernelVersion): { release: string; text: string; exact: boolean } {
  const ms = MEASURED_KERNELS.map((m) => parseKernelVersion(m)!);
  const best = ms.reduce((x, y) => (distance(y, v) < distance(x, v) ? y : x));
  const exactBranch = best[0] === v[0] && best[1] === v[1];
  const exact = exactBranch && best[2] === v[2];
  const text = exact
    ? 'measured'
    : exactBranch
      ? `nearest measured ${versionText(best)}, ${Math.abs(best[2] - v[2])} stable release(s) ${best[2] > v[2] ? 'newer' : 'older'}`
      : `nearest measured ${versionText(best)}, ${Math.abs(best[0] * 100 + best[1] - (v[0] * 100 + v[1]))} minor release(s) away`;
  return { release: versionText(best), text, exact };
}

/**
 * The profile for a kernel: its flags from the version facts, and a reason that names the version,
 * the nearest measured kernel and its distance. `version` is `uname -v` (it carries the upstream
 * sublevel that Debian's release "6.1.0-57-cloud-amd64" does not).
 */
export function profileFor(release: string | undefined, version?: string): { profile: Profile; reason: Reason } {
  const rel = (release ?? MEASURED_KERNELS[0]).trim();
  const v = kernelVersionOf(rel, version);
  if (!v) {
    const p = profileForVersion(parseKernelVersion(MEASURED_KERNELS[0])!);
    return { profile: p, reason: reason('profile.nearest', `release "${rel}" unparsable → profile of ${MEASURED_KERNELS[0]} [inferred]`) };
  }
  const profile = profileForVersion(v);
  const near = nearestMeasured(v);
  const id = near.exact ? 'profile.exact' : 'profile.nearest';
  return { profile, reason: reason(id, () => `release ${rel} → version ${versionText(v)}: flags from version facts (${near.text})`) };
}

/** Profiles of the measured kernels, by branch ("6.18", "6.12", "6.1"). */
export const PROFILES: Readonly<Record<string, Profile>> = Object.fromEntries(
  MEASURED_KERNELS.map((m) => {
    const p = profileForVersion(parseKernelVersion(m)!);
    return [p.name, p];
  }),
);

/**
 * A profile for a kernel built with (or without) CONFIG_TCP_AO. The measured kernels have none.
 * Kernels with the md5sig parser have no TCP-AO code at all, so the flag is ignored there.
 */
export function withKconfig(p: Profile, k: { tcpAo?: boolean } | undefined): Profile {
  if (!k || k.tcpAo === undefined || p.authParse !== 'auth' || k.tcpAo === p.tcpAo) return p;
  return { ...p, tcpAo: k.tcpAo };
}
