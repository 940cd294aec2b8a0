// The normalised campaign the engine and the generators consume: what `parseCampaignText` returns,
// every default filled in (defaults.ts), per target. The YAML shape is schema.ts. Pure.
import type { TcpOption } from '../../wire/types';
import type { ProbeCall, Target } from '../probe';
import type { MutatorName, OptionKindName } from './vocab';

export interface GeneratorConfig {
  /** packet classes by weight (keys: KINDS[target]); a class not listed has weight 0 */
  kinds: Record<string, number>;
  /** the peer's source ports for passive targets, cycled by probe index */
  ports: [number, number];
  /** probability that the peer ISN / TSval sits at a 32-bit edge (0, 2^31-1, 2^31, 2^32-1, …) */
  isnEdge: number;
  flags: {
    /** probability of each extra flag on top of a class's own flags */
    extra: number;
    /** probability of non-zero reserved bits */
    reserved: number;
  };
  /** offsets applied around each sequence edge (rcv_isn, rcv_nxt, window end, …); probability of an edge vs. a far value */
  seq: { offsets: number[]; edge: number };
  /** offsets around each ack edge (ISN, ISN+1 = snd_nxt, …) */
  ack: { offsets: number[]; edge: number };
  /** window field values, and the probability of a uniformly random one instead */
  window: { values: number[]; random: number };
  options: {
    /** how many well-formed items a fuzzed option list holds */
    count: [number, number];
    weights: Record<OptionKindName, number>;
    /** MSS values to pick from, and the probability of a uniformly random MSS instead */
    mss: number[];
    mssRandom: number;
    /** wscale range, and the probability of an out-of-range shift (15..255) instead */
    wscale: [number, number];
    wscaleInvalid: number;
    /** probability that one malformed item (a mutator) is inserted */
    malformed: number;
    mutators: Record<MutatorName, number>;
    /** probability that the list is shuffled */
    shuffle: number;
    /** non-SYN segments: probability of a TS option */
    ts: number;
    /** non-SYN segments: probability of further random options besides TS */
    extra: number;
  };
  /** how TSecr values are chosen (weights): inside / outside the DUT's TSvals, 0, random */
  tsecr: { inside: number; outside: number; zero: number; random: number };
  /** how TSvals are chosen relative to ts_recent (weights) */
  tsval: { older: number; same: number; newer: number; zero: number; wrap: number };
  /** probability of a payload and its largest length */
  payload: { p: number; max: number };
  /** probability of a non-zero TOS / traffic class */
  tos: { p: number };
  /** probabilities of deliberate header errors */
  /** ipLayer (listener only, absent: 0): an IP-layer mistake or a closed port (lib/fuzz/probe.ts IpLayerMistake) */
  /** icmp (stateful targets only, absent: 0): the mutated packet replaced by an ICMP error quoting the DUT (lib/fuzz/gen-icmp.ts) */
  mistakes: { badChecksum: number; ipChecksum: number; dataOffset: number; ipLayer?: number; icmp?: number };
  /** the setup packets (the SYN to a listener; the SYN-ACK for an active open): TS probability and option template */
  /** fin (timewait only): probability that the peer answers the DUT's FIN with its own (TIME_WAIT), else a bare ACK (the FIN_WAIT2 substate) */
  /**
   * fin (timewait): probability the peer answers the DUT's FIN with FIN+ACK. fastopen (synsent): the
   * bytes the DUT's application hands to a client Fast Open connect — each probe then draws a Fast Open
   * set-up (FASTOPEN_SETUPS in lib/fuzz/gen-fastopen.ts). data (passive targets): bytes on the peer's
   * setup SYN (a Fast Open child under a no-cookie tcp_fastopen profile).
   */
  setup: { ts: number; options: TcpOption[]; fin?: number; fastopen?: number; data?: number };
  /** established and timewait targets: reach ESTABLISHED by a passive (listen) or an active (connect) open */
  via: 'passive' | 'active';
  /** sequential targets: probability that a probe carries socket calls / waits around its packet, and their weights (absent: none) */
  calls?: {
    p: number;
    /** how many calls a probe carries, uniform in [lo, hi] (absent: 1, or 2 with probability 0.3) */
    n?: [number, number];
    /** the drawn calls played in CALL_ORDER (lib/fuzz/probe.ts) rather than as drawn */
    ordered?: boolean;
    kinds: Partial<Record<ProbeCall, number>>;
  };
}

export interface SysctlProfile {
  name: string;
  /** dotted names as under /proc/sys: { 'net.ipv4.tcp_syncookies': 2 } */
  sysctls: Record<string, string | number>;
}

/** A socket option's value as a campaign file writes it (numbers and names only). */
export type CampaignSockoptValue = number | string;

export interface Campaign {
  name: string;
  description: string;
  seed: number;
  /** stop at whichever comes first; at least one is set */
  budget: { probes?: number; seconds?: number };
  target: Target;
  /** IP versions, alternating by probe index */
  ip: Array<4 | 6>;
  /** sysctl profiles, rotated in blocks of rotateEvery probes */
  profiles: SysctlProfile[];
  rotateEvery: number;
  /** the DUT's listener (listener, request, established via passive) */
  listen?: { port: number; backlog: number; sockopts: Record<string, CampaignSockoptValue> };
  /** the peer's port the DUT connects to (synsent, established via active) */
  connect?: { port: number; sockopts: Record<string, CampaignSockoptValue> };
  generator: GeneratorConfig;
  /** credit window: probes in flight */
  window?: number;
  /** rule-coverage-guided generation (lib/fuzz/guided.ts); absent: unguided, probeAt alone */
  guided?: true;
}
