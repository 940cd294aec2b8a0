// The words of a campaign file: targets, the packet classes each target has, option kinds and
// malformed-option mutators (cases/campaigns/README.md lists them). Pure.
import type { Target } from '../probe';

/** Targets reached through a whole handshake, passive or active (generator.via). */
export const VIA_TARGETS: readonly Target[] = ['established', 'timewait'];

/** Does a campaign on `target` connect out (SYN_SENT, or ESTABLISHED / TIME_WAIT reached by an active open)? */
export function connectsOut(target: Target, via: 'passive' | 'active' | undefined): boolean {
  return target === 'synsent' || (VIA_TARGETS.includes(target) && via === 'active');
}

/** Packet classes per target, with what each one sends. Keys of `generator.kinds`. */
export const KINDS: Readonly<Record<Target, Readonly<Record<string, string>>>> = {
  listener: {
    syn: 'a random SYN from randomSyn: extra flags, option lists with malformed items, TOS, payload',
    syn_opts: "a SYN whose options follow the campaign's option weights, ranges and mutators",
    ack: 'an ACK with no request behind it (random seq/ack, extra flags)',
    cookie_ack: 'an ACK shaped like a syncookie reply: seq = ISN+1, forged ack, TSecr with encoded option bits',
    rst: 'RST or RST+ACK',
    fin: 'FIN, FIN+ACK or SYN+FIN',
    no_flags: 'no flags at all',
    data: 'payload without SYN (with or without ACK/PSH)',
    flags: 'uniformly random flags',
    tfo_valid: "a Fast Open SYN with the cookie the DUT computes under its profile's key (primary or backup), with or without data",
  },
  request: {
    ack: 'third ACK: seq around rcv_nxt, ack around ISN+1, TS as configured',
    window_edge: "seq at the window's edges (rcv_nxt, rcv_nxt+win) ±offsets, with or without data",
    tsecr: 'third ACK with good seq/ack whose TSecr is inside/outside the SYN-ACK TSvals sent',
    paws: 'third ACK with good seq/ack whose TSval is older/newer than ts_recent (PAWS)',
    data: 'third ACK carrying data',
    fin: 'FIN+ACK as third packet',
    rst: 'RST or RST+ACK, seq in/out of window',
    dup_syn: 'SYN again: seq = rcv_isn (retransmission) or another seq (in/out of window)',
    syn_ack: 'SYN+ACK with seq around rcv_isn',
    no_ack: 'segment without ACK (FIN, null, data) in window',
    flags: 'random flags, seq/ack around the edges',
  },
  synsent: {
    synack: 'SYN-ACK with ack around ISN, ISN+1, ISN+2 and TS as configured',
    synack_tsecr: 'acceptable SYN-ACK whose TSecr is bogus / inside / zero',
    synack_opts: "acceptable SYN-ACK with fuzzed options (the campaign's ranges and mutators)",
    synack_data: 'acceptable SYN-ACK with FIN and/or payload',
    rst: 'RST without ACK',
    rst_ack: 'RST+ACK, ack around ISN+1',
    ack_only: 'ACK without SYN, ack around ISN+1',
    syn: 'SYN without ACK (simultaneous open)',
    flags: 'random flags, ack around ISN+1',
    synack_tfo: 'client Fast Open (setup.fastopen): SYN-ACK acking none, part or all of the SYN data, with or without a cookie',
  },
  established: {
    syn: 'stray SYN: the old ISN, in window, out of window',
    synack: 'stray SYN-ACK (a retransmitted handshake packet)',
    rst: 'RST: seq = rcv_nxt ±offsets, in window, out of window',
    ack: 'old / future ACKs: ack below snd_una, = snd_nxt, beyond snd_nxt',
    data: 'data in/out of window',
    fin: 'FIN+ACK in/out of window',
    ts_paws: 'ACK with an old TSval (PAWS) or a bogus TSecr',
    flags: 'random flags around the edges',
  },
  timewait: {
    syn: 'SYN at the TIME_WAIT socket (reincarnation): seq around rcv_nxt, older/newer, TS older/newer than ts_recent',
    rst: 'RST or RST+ACK: seq = rcv_nxt ±offsets, in window, out of window',
    ack: 'bare ACK: seq/ack around rcv_nxt / snd_nxt, in and out of window',
    fin: "the peer's FIN again (retransmitted), or a FIN at other positions",
    data: 'data at and around rcv_nxt',
    ts_paws: 'ACK with an old / newer TSval (PAWS)',
    flags: 'random flags around the edges',
  },
};

export const OPTION_KINDS = ['mss', 'wscale', 'sackOK', 'ts', 'nop', 'eol', 'tfo', 'tfoexp', 'sack', 'unknown', 'md5'] as const;
export type OptionKindName = (typeof OPTION_KINDS)[number];

/** Malformed-option mutators: one is inserted (at a random place) with probability options.malformed. */
export const MUTATORS = {
  ws_len4: 'window scale with length 4',
  ts_len9: 'timestamps with length 9',
  ts_len11: 'timestamps with length 11',
  sackok_len3: 'SACK-permitted with length 3',
  mss_len3: 'MSS with length 3',
  mss_len5: 'MSS with length 5',
  silly_len: 'an option with length 0 or 1 (stops the walk)',
  past_end: 'an option whose length runs past the end of the option area',
  lone_kind: 'a kind byte with no length byte, last in the option area',
  after_eol: 'a well-formed option after EOL',
  duplicate: 'the same option twice with different values',
  tfo_odd: 'Fast Open with an odd or out-of-range cookie length',
  md5_len: 'MD5 with a wrong length',
  unknown_kind: 'an unknown or unsupported kind (AO 29, MPTCP 30, AccECN 172/174, experimental 253/254)',
  zero_len_tlv: 'a known kind with length 2 (no data)',
} as const;
export type MutatorName = keyof typeof MUTATORS;
export const MUTATOR_NAMES = Object.keys(MUTATORS) as MutatorName[];
