// Stray handshake packets at an established connection (§8.6): old SYNs (seq = the original ISN)
// and SYNs in/out of window, stray SYN-ACKs, RSTs at rcv_nxt ±1, inside the window and beyond it,
// old and future ACKs (below snd_una, = snd_nxt, beyond snd_nxt), data and FIN in/out of window,
// PAWS-failing TSvals and bogus TSecrs, random flags. The connection carried no data, so
// rcv_nxt = peer.isn+1 and snd_nxt = dut.isn+1. Pure.
import type { GeneratorConfig } from './campaign';
import {
  FLAGS,
  nearEdge,
  packet,
  pickKind,
  pickPayload,
  pickTsecr,
  pickTsval,
  randomFlags,
  segmentOptions,
  seqRef,
  tsOption,
  TWO31,
  withExtraFlags,
} from './gen-common';
import { RCV_ISN, RCV_NXT, SND_NXT, synOptions, WIN_END, withoutBareFin } from './gen-request';
import type { Prng } from '../util/prng';
import type { ProbePacket, SeqRef, TsRef } from './probe';

const { FIN, SYN, RST, PSH, ACK } = FLAGS;

/** An ack far below snd_una (older than any window). */
const OLD_ACK: SeqRef = { base: 'dut.isn', offset: 1 - (TWO31 - 1) };

export function genEstablished(rng: Prng, cfg: GeneratorConfig, _index = 0): ProbePacket {
  return genEstablishedKind(rng, cfg, pickKind(rng, cfg, 'syn'));
}

export function genEstablishedKind(rng: Prng, cfg: GeneratorConfig, kind: string): ProbePacket {
  return withoutBareFin(genEstablishedRaw(rng, cfg, kind));
}

function genEstablishedRaw(rng: Prng, cfg: GeneratorConfig, kind: string): ProbePacket {
  const ts = () => tsOption(rng, cfg);
  switch (kind) {
    case 'syn': {
      const flags = withExtraFlags(rng, cfg, SYN) & ~ACK;
      return packet(rng, cfg, {
        flags,
        seq: rng.chance(0.4) ? RCV_ISN : nearEdge(rng, cfg.seq, [RCV_ISN, RCV_NXT, WIN_END]),
        ack: seqRef('abs', 0),
        options: synOptions(rng, cfg, () => ({ base: 'abs', offset: 0 })),
        payload: pickPayload(rng, cfg),
        window: 64240,
      });
    }
    case 'synack':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, SYN | ACK),
        seq: nearEdge(rng, cfg.seq, [RCV_ISN]),
        ack: nearEdge(rng, cfg.ack, [SND_NXT]),
        options: synOptions(rng, cfg, () => pickTsecr(rng, cfg)),
      });
    case 'rst': {
      const flags = withExtraFlags(rng, cfg, rng.chance(0.5) ? RST : RST | ACK);
      return packet(rng, cfg, {
        flags,
        seq: nearEdge(rng, cfg.seq, [RCV_NXT, RCV_NXT, WIN_END, { base: 'peer.isn', offset: 1 + 1000 }]),
        ack: flags & ACK ? nearEdge(rng, cfg.ack, [SND_NXT]) : seqRef('abs', 0),
        options: segmentOptions(rng, cfg, ts),
      });
    }
    case 'ack':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, ACK),
        seq: nearEdge(rng, cfg.seq, [RCV_NXT]),
        ack: nearEdge(rng, cfg.ack, [SND_NXT, SND_NXT, OLD_ACK]),
        options: segmentOptions(rng, cfg, ts),
      });
    case 'data':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, PSH | ACK),
        seq: nearEdge(rng, cfg.seq, [RCV_NXT, WIN_END]),
        ack: nearEdge(rng, cfg.ack, [SND_NXT]),
        options: segmentOptions(rng, cfg, ts),
        payload: pickPayload(rng, cfg, true),
      });
    case 'fin':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, FIN | ACK),
        seq: nearEdge(rng, cfg.seq, [RCV_NXT, WIN_END]),
        ack: nearEdge(rng, cfg.ack, [SND_NXT]),
        options: segmentOptions(rng, cfg, ts),
        payload: pickPayload(rng, cfg),
      });
    case 'ts_paws': {
      // A quarter aim at tcp_disordered_ack: a pure duplicate ACK at rcv_nxt that updates no window
      // (a small window field, never 0) with a TSval 1-100 ms older than ts_recent — inside the replay
      // bound (200 ms; its 200/204 ms edge is undecidable, C12), so PAWS lets it pass.
      if (rng.chance(0.25))
        return packet(rng, cfg, {
          flags: ACK,
          seq: RCV_NXT,
          ack: SND_NXT,
          options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: { base: 'peer.tsval', offset: -rng.int(1, 100) }, ecr: pickTsecr(rng, cfg) }],
          window: rng.pick([1, 64, 256]),
        });
      const val: TsRef = rng.chance(0.6) ? pickTsval(rng, cfg) : { base: 'peer.tsval', offset: rng.pick([0, 1]) };
      return packet(rng, cfg, {
        flags: ACK,
        seq: RCV_NXT,
        ack: SND_NXT,
        options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val, ecr: pickTsecr(rng, cfg) }],
        payload: rng.chance(0.3) ? pickPayload(rng, cfg, true) : undefined,
      });
    }
    case 'flags': {
      const flags = randomFlags(rng);
      return packet(rng, cfg, {
        flags,
        seq: nearEdge(rng, cfg.seq, [RCV_ISN, RCV_NXT, WIN_END]),
        ack: nearEdge(rng, cfg.ack, [SND_NXT, OLD_ACK]),
        options: flags & SYN ? synOptions(rng, cfg, () => pickTsecr(rng, cfg)) : segmentOptions(rng, cfg, ts),
        payload: pickPayload(rng, cfg),
      });
    }
    default:
      throw new Error(`established generator: unknown packet class '${kind}'`);
  }
}
