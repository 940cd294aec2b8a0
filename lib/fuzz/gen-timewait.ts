// Segments at a TIME_WAIT socket (§7): the DUT closed first, the peer answered its FIN with its own
// (TIME_WAIT: rcv_nxt = peer.isn+2, snd_nxt = dut.isn+2) or with a bare ACK (the FIN_WAIT2 substate:
// rcv_nxt = peer.isn+1). Reincarnation SYNs around rcv_nxt, older and newer, with TSvals older and
// newer than ts_recent; RSTs and bare ACKs at and around both edges and the window's; the peer's FIN
// retransmitted; data; PAWS-failing TSvals; random flags. Pure.
import type { GeneratorConfig } from './campaign';
import { FLAGS, nearEdge, packet, pickKind, pickPayload, pickTsval, randomFlags, segmentOptions, seqRef, tsOption, TWO31, withExtraFlags } from './gen-common';
import { synOptions } from './gen-request';
import type { Prng } from '../util/prng';
import type { ProbePacket, SeqRef } from './probe';

const { FIN, SYN, RST, PSH, ACK } = FLAGS;

/** rcv_nxt in the FIN_WAIT2 substate (the peer's FIN not sent) and in TIME_WAIT (after it). */
const RCV_FW2: SeqRef = { base: 'peer.isn', offset: 1 };
const RCV_TW: SeqRef = { base: 'peer.isn', offset: 2 };
/** The right edge of the window the DUT last advertised (its SYN-ACK's), from rcv_nxt. */
const WIN_END: SeqRef = { base: 'peer.isn', offset: 2, win: true };
/** snd_nxt after the DUT's FIN, and before it. */
const SND_FIN: SeqRef = { base: 'dut.isn', offset: 2 };
const SND_PRE: SeqRef = { base: 'dut.isn', offset: 1 };
/** Far beyond rcv_nxt: a reincarnation SYN "newer" by sequence. */
const FAR_AHEAD: SeqRef = { base: 'peer.isn', offset: 2 + 100000 };
const FAR_BEHIND: SeqRef = { base: 'peer.isn', offset: 2 - (TWO31 - 1) };

export function genTimeWait(rng: Prng, cfg: GeneratorConfig, _index = 0): ProbePacket {
  return genTimeWaitKind(rng, cfg, pickKind(rng, cfg, 'syn'));
}

export function genTimeWaitKind(rng: Prng, cfg: GeneratorConfig, kind: string): ProbePacket {
  const ts = () => tsOption(rng, cfg);
  switch (kind) {
    case 'syn':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, SYN) & ~ACK,
        seq: rng.chance(0.5) ? nearEdge(rng, cfg.seq, [RCV_TW, RCV_FW2, FAR_AHEAD, FAR_BEHIND]) : rng.pick([FAR_AHEAD, RCV_TW, FAR_BEHIND]),
        ack: seqRef('abs', 0),
        // TS: ts_recent is the peer's setup TSval; older / same / newer by the campaign's weights.
        options: rng.chance(cfg.options.ts)
          ? [
              { kind: 'mss', value: 1460 },
              { kind: 'sackOK' },
              { kind: 'ts', val: pickTsval(rng, cfg), ecr: { base: 'abs', offset: 0 } },
              { kind: 'nop' },
              { kind: 'wscale', shift: 7 },
            ]
          : synOptions(rng, cfg, () => ({ base: 'abs', offset: 0 })),
        payload: rng.chance(0.1) ? pickPayload(rng, cfg, true) : undefined,
        window: 64240,
      });
    case 'rst': {
      const flags = withExtraFlags(rng, cfg, rng.chance(0.5) ? RST : RST | ACK);
      return packet(rng, cfg, {
        flags,
        seq: nearEdge(rng, cfg.seq, [RCV_TW, RCV_FW2, WIN_END]),
        ack: flags & ACK ? nearEdge(rng, cfg.ack, [SND_FIN, SND_PRE]) : seqRef('abs', 0),
        options: segmentOptions(rng, cfg, ts),
      });
    }
    case 'ack':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, ACK),
        seq: nearEdge(rng, cfg.seq, [RCV_TW, RCV_FW2, WIN_END]),
        ack: nearEdge(rng, cfg.ack, [SND_FIN, SND_PRE]),
        options: segmentOptions(rng, cfg, ts),
      });
    case 'fin':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, FIN | ACK),
        seq: rng.chance(0.5) ? RCV_FW2 : nearEdge(rng, cfg.seq, [RCV_FW2, RCV_TW, WIN_END]),
        ack: rng.chance(0.6) ? SND_FIN : nearEdge(rng, cfg.ack, [SND_FIN, SND_PRE]),
        options: segmentOptions(rng, cfg, ts),
      });
    case 'data':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, PSH | ACK),
        seq: nearEdge(rng, cfg.seq, [RCV_TW, RCV_FW2, WIN_END]),
        ack: nearEdge(rng, cfg.ack, [SND_FIN]),
        options: segmentOptions(rng, cfg, ts),
        payload: pickPayload(rng, cfg, true),
      });
    case 'ts_paws':
      return packet(rng, cfg, {
        flags: rng.chance(0.8) ? ACK : FIN | ACK,
        seq: rng.pick([RCV_TW, RCV_FW2]),
        ack: SND_FIN,
        options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: pickTsval(rng, cfg), ecr: { base: 'dut.tsval', offset: 0 } }],
      });
    case 'flags': {
      const flags = randomFlags(rng);
      return packet(rng, cfg, {
        flags,
        seq: nearEdge(rng, cfg.seq, [RCV_TW, RCV_FW2, WIN_END]),
        ack: nearEdge(rng, cfg.ack, [SND_FIN, SND_PRE]),
        options: flags & SYN ? synOptions(rng, cfg, () => ({ base: 'abs', offset: 0 })) : segmentOptions(rng, cfg, ts),
        payload: pickPayload(rng, cfg),
      });
    }
    default:
      throw new Error(`timewait generator: unknown packet class '${kind}'`);
  }
}
