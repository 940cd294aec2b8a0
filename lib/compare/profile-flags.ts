// What each model profile flag (lib/model's ProfileFlags) changes on the wire: the rules whose packets
// it shapes and the comparable fields it moves. What the flag means, since which release, and how we
// know are the model's version facts (VERSION_FACTS); this file adds only where the flag shows in a
// packet. `synh compare` names the flags that differ between two kernels' profiles and touch a
// changed packet's rule or field. Typed over every flag, so a new flag does not compile until it is
// described here. Pure.
import { VERSION_FACTS, type Profile, type ProfileFlags } from '../model';

export interface FlagEffect {
  /** Rule ids (or prefixes ending in '.' or '-') whose predictions the flag shapes. */
  rules: readonly string[];
  /** Comparable fields (lib/compare/types.ts) it can change; 't' = send time. */
  fields: readonly string[];
  /** What the flag means, for a flag that is not a version fact (a build option). */
  summary?: string;
}

export type ProfileFlag = keyof ProfileFlags;

export const PROFILE_FLAGS: Readonly<Record<ProfileFlag, FlagEffect>> = {
  linearSynTimeouts: { rules: ['syn_timer.', 'connect.syn'], fields: ['t'] },
  tsOffPerTuple: { rules: ['tsoff.value', 'synack.', 'connect.syn', 'cookies.send'], fields: ['tsval'] },
  tsecrCheck: { rules: ['check_req.tsecr-', 'synsent.tsecr-'], fields: ['flags', 'seq', 'ack', 'tsecr'] },
  rstTosEcnClear: {
    rules: ['closed.rst', 'reset.', 'listen.ack-rst', 'tw.', 'estab.rst', 'check_req.embryonic', 'synsent.bad-ack-rst'],
    fields: ['tos', 'tclass'],
  },
  rtoSysctls: { rules: ['syn_timer.', 'reqsk_timer.'], fields: ['t'] },
  accecn: { rules: ['synsent.accecn', 'ecn.', 'connect.ecn'], fields: ['flags', 'tos', 'tclass', 'options', 'kind172', 'kind174'] },
  // The parser decides whether a segment with a malformed option is dropped: the RST that answered it
  // (closed.rst, reset.*) comes or goes with it.
  authParse: { rules: ['auth.', 'md5.', 'ao.', 'closed.md5-no-rst', 'closed.rst', 'reset.'], fields: ['flags'] },
  tcpAo: {
    rules: ['auth.', 'ao.'],
    fields: ['flags'],
    summary: 'CONFIG_TCP_AO build: 5-byte auth-option walk bound, AO options checked',
  },
  twIsnReuse: { rules: ['tw.isn-lost', 'tw.syn-accept'], fields: ['isn', 'seq', 'ack'] },
  unsentAckChallenge: { rules: ['estab.unsent-ack'], fields: ['flags'] },
  pawsOldAckSilent: { rules: ['estab.paws-'], fields: ['flags'] },
};

/** "since 6.10: <what the kernel changed>", from the model's version facts. */
export function flagSummary(flag: ProfileFlag): string {
  const f = VERSION_FACTS.find((x) => x.flag === flag);
  return f ? `since ${f.since}${f.backports?.length ? ` (and ${f.backports.join(', ')})` : ''}: ${f.what}` : (PROFILE_FLAGS[flag].summary ?? flag);
}

/** Flags whose values differ between two profiles, with both values. */
export function differingFlags(a: Profile, b: Profile): Array<{ flag: ProfileFlag; a: unknown; b: unknown }> {
  return (Object.keys(PROFILE_FLAGS) as ProfileFlag[]).filter((k) => a[k] !== b[k]).map((flag) => ({ flag, a: a[flag], b: b[flag] }));
}

/** Does `flag` touch a packet predicted by one of `rules`, or the comparable `field`? */
export function flagTouches(flag: ProfileFlag, rules: readonly string[], field: string | undefined): boolean {
  const e = PROFILE_FLAGS[flag];
  const ruleHit = rules.some((r) => e.rules.some((p) => (p.endsWith('.') || p.endsWith('-') ? r.startsWith(p) : r === p)));
  const fieldHit = field !== undefined && e.fields.includes(field);
  return field === undefined ? ruleHit : ruleHit || fieldHit;
}
