// Which of the model's rules can fire on a given kernel: a rule whose code is absent (kernel version:
// the model profile's flags; build: CONFIG_TCP_AO, the congestion controls built or loaded — a fact the
// harness reads from the DUT's namespace, KernelFacts) is listed with the reason, not counted as a miss,
// by `synh fuzz --coverage`. (Every sysctl a rule needs can be set in the DUT's namespace, so no rule
// is unreachable for a sysctl: a rule no campaign's profile enables is a miss.) Each entry names the
// profile flag or build option that decides it (lib/model's ProfileFlags); everything else counts as
// reachable. Pure.
import type { Profile } from '../model';
import type { RuleInfoLike } from './coverage';

export type UnreachableKind = 'profile' | 'kernel config' | 'model note';

/** What the harness read from the kernel under test (absent: not known, nothing gated on it). */
export interface KernelFacts {
  /** net.ipv4.tcp_available_congestion_control in the DUT's namespace */
  congestionControls?: readonly string[];
}

/** Congestion controls with TCP_CONG_NEEDS_ECN (tcp_ca_needs_ecn; a route's congctl sets ECN_CA only with one). */
export const ECN_CONGESTION_CONTROLS: readonly string[] = ['dctcp'];

interface Gate {
  /** rule ids, or prefixes ending in '.' */
  rules: readonly string[];
  kind: UnreachableKind;
  /** reachable on a kernel with this profile (and these facts)? */
  when: (p: Profile, f: KernelFacts) => boolean;
  why: (p: Profile, f: KernelFacts) => string;
}

const GATES: readonly Gate[] = [
  {
    rules: ['tw.isn-lost'],
    kind: 'profile',
    when: (p) => !p.twIsnReuse,
    why: (p) => `profile ${p.name}: the TIME_WAIT ISN reaches tcp_conn_request (twIsnReuse, since 6.10)`,
  },
  {
    rules: ['auth.legacy-no-md5'],
    kind: 'profile',
    when: (p) => p.authParse === 'md5sig',
    why: (p) => `profile ${p.name}: the 6.7+ auth-option pre-parse replaced tcp_parse_md5sig_option (authParse auth)`,
  },
  {
    rules: ['auth.malformed', 'auth.no-rst'],
    kind: 'profile',
    when: (p) => p.authParse === 'auth',
    why: (p) => `profile ${p.name}: no auth-option pre-parse before 6.7 (authParse md5sig)`,
  },
  {
    rules: ['check_req.tsecr-reject', 'check_req.tsecr-exact', 'check_req.tsecr-unknown'],
    kind: 'profile',
    when: (p) => p.tsecrCheck,
    why: (p) => `profile ${p.name}: tcp_check_req does not check the third ACK's TSecr (tsecrCheck)`,
  },
  { rules: ['synsent.accecn', 'synsent.accecn-option'], kind: 'profile', when: (p) => p.accecn, why: (p) => `profile ${p.name}: no AccECN code (accecn)` },
  { rules: ['ao.unexpected'], kind: 'kernel config', when: (p) => p.tcpAo, why: () => 'built without CONFIG_TCP_AO: TCP-AO options are not checked' },
  {
    rules: ['ao.ignored', 'ao.md5-key-bypass', 'auth.ao-no-rst'],
    kind: 'kernel config',
    when: (p) => p.authParse === 'auth' && !p.tcpAo,
    why: (p) => (p.tcpAo ? 'built with CONFIG_TCP_AO: AO options are checked, not ignored' : `profile ${p.name}: no TCP-AO stub before 6.7`),
  },
  {
    rules: ['estab.unsent-ack-silent'],
    kind: 'profile',
    when: (p) => !p.unsentAckChallenge,
    why: (p) => `profile ${p.name}: an ACK beyond snd_nxt draws a challenge ACK since 6.13 (unsentAckChallenge): estab.unsent-ack fires instead`,
  },
  {
    rules: ['ecn.ca-needs'],
    kind: 'kernel config',
    when: (_p, f) => f.congestionControls === undefined || f.congestionControls.some((c) => ECN_CONGESTION_CONTROLS.includes(c)),
    why: (_p, f) =>
      `no congestion control that needs ECN (TCP_CONG_NEEDS_ECN: ${ECN_CONGESTION_CONTROLS.join(', ')}) is built in or loaded: tcp_available_congestion_control is ${(f.congestionControls ?? []).join(' ')}`,
  },
  { rules: ['ao.req-drop'], kind: 'kernel config', when: (p) => p.authParse === 'auth', why: (p) => `profile ${p.name}: no TCP-AO code before 6.7` },
];

/**
 * The model's fallbacks for a value it has not observed (an ISN or TSval symbol still unbound, a Fast
 * Open key not fixed): they say what the model assumes, not a path of the kernel, which always knows
 * the value — and a fuzz probe binds every value before it aims at a check that needs it.
 */
const UNOBSERVED_VALUE_RULES: readonly string[] = [
  'cookies.unbound',
  'fastopen.cookie-unknown',
  'check_req.tsecr-unknown',
  'check_req.isn-unbound',
  'synsent.isn-unbound',
  'synsent.tsecr-approx',
];

function matches(rule: string, pats: readonly string[]): boolean {
  return pats.some((p) => (p.endsWith('.') ? rule.startsWith(p) : rule === p));
}

export interface Unreachable {
  rule: string;
  fn: string;
  kind: UnreachableKind;
  reason: string;
}

/** The rules of `rules` that cannot fire on a kernel with this profile, with the reason. */
export function unreachableRules(rules: readonly RuleInfoLike[], p: Profile, facts: KernelFacts = {}): Unreachable[] {
  const out: Unreachable[] = [];
  for (const r of rules) {
    // '(profile)' and '(model)' rules describe the model itself (which profile it chose, an event it
    // cannot read), not a kernel path a packet can take.
    if (r.fn === '(profile)' || r.fn === '(model)') {
      out.push({ rule: r.rule, fn: r.fn, kind: 'model note', reason: 'about the model, not a kernel path: no probe fires it' });
      continue;
    }
    if (UNOBSERVED_VALUE_RULES.includes(r.rule)) {
      out.push({
        rule: r.rule,
        fn: r.fn,
        kind: 'model note',
        reason: "the model's assumption for a value it has not observed; the kernel knows it, and a probe binds it first",
      });
      continue;
    }
    const g = GATES.find((x) => matches(r.rule, x.rules));
    if (g && !g.when(p, facts)) out.push({ rule: r.rule, fn: r.fn, kind: g.kind, reason: g.why(p, facts) });
  }
  return out;
}

/** Every rule a gate names (for the test that each one exists in the catalogue). */
export function gatedRules(): string[] {
  return [...GATES.flatMap((g) => g.rules), ...UNOBSERVED_VALUE_RULES];
}
