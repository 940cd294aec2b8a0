// Packets for a socket in SYN_SENT (the DUT called connect() and its SYN was captured): the §8.4
// table. SYN-ACKs whose ack is ISN, ISN+1 or ISN+2 (dut.isn + 0/1/2) and beyond, bogus / inside /
// zero TSecr (inside = the SYN's TSval), fuzzed SYN-ACK options, SYN-ACKs with FIN or data, RST
// with and without ACK, ACK without SYN, SYN without ACK (simultaneous open), random flags. Pure.
import type { GeneratorConfig } from './campaign';
import {
  EMPTY_PAYLOAD,
  FLAGS,
  fuzzOptions,
  nearEdge,
  packet,
  pickKind,
  pickPayload,
  pickTsecr,
  randomFlags,
  segmentOptions,
  seqRef,
  withExtraFlags,
} from './gen-common';
import type { Prng } from '../util/prng';
import type { ProbeOption, ProbePacket, SeqRef, TsRef } from './probe';

const { FIN, SYN, RST, ACK } = FLAGS;

/** The peer's ISN: the SYN-ACK's seq. */
export const PEER_ISN: SeqRef = { base: 'peer.isn', offset: 0 };
/** snd_nxt of the connecting socket = its ISN + 1: the one acceptable ack. */
export const DUT_ISN1: SeqRef = { base: 'dut.isn', offset: 1 };

/** A SYN-ACK's option list: the campaign's setup template (TS: the peer's TSval, `ecr`). */
export function synackOptions(rng: Prng, cfg: GeneratorConfig, ecr: TsRef, withTs = rng.chance(cfg.setup.ts)): ProbeOption[] {
  const out: ProbeOption[] = [];
  for (const o of cfg.setup.options) {
    if (o.kind !== 'ts') out.push(o);
    else if (withTs) out.push({ kind: 'ts', val: { base: 'peer.tsval', offset: 0 }, ecr });
  }
  return out;
}

/**
 * TSecr for SYN_SENT probes. The kernel accepts TSecr − ts_off in [retrans_stamp, its clock now]: the
 * lower edge is the SYN's TSval exactly, but the upper edge is the kernel's millisecond clock when the
 * segment arrives, and a TSecr a millisecond or two after the SYN's TSval is accepted or rejected
 * depending on whether that clock ticked since the SYN (sub-millisecond timing neither the harness nor
 * the model sees: docs/model-corrections.md C11). So "outside" values just above the SYN's TSval
 * (+1, +2) are moved far from the edge (+1000, +2000 ms) in segments with ACK; −1, −2 stay (exactly
 * decidable), and so does everything in segments without ACK (their TSecr is never checked).
 */
function synsentTsecr(rng: Prng, cfg: GeneratorConfig, ack = true): TsRef {
  const r = pickTsecr(rng, cfg);
  // Without ACK the TSecr is never checked (the test sits under "if ACK"): any value is decidable.
  return ack && r.base === 'dut.tsval' && r.offset > 0 && r.offset < 1000 ? { base: 'dut.tsval', offset: r.offset * 1000 } : r;
}

/**
 * A packet whose TS option keeps out of the undecidable SYN_SENT TSecr edge (C11, as synsentTsecr):
 * for packets made elsewhere (guided mutants). The same packet when there is nothing to move.
 */
export function synsentDecidable(p: ProbePacket): ProbePacket {
  if (!(p.flags & ACK)) return p;
  const i = p.options.findIndex((o) => o.kind === 'ts' && o.ecr.base === 'dut.tsval' && o.ecr.offset > 0 && o.ecr.offset < 1000);
  if (i < 0) return p;
  const o = p.options[i] as Extract<ProbeOption, { kind: 'ts' }>;
  const options = [...p.options];
  options[i] = { kind: 'ts', val: o.val, ecr: { base: 'dut.tsval', offset: o.ecr.offset * 1000 } };
  return { ...p, options };
}

function peerTs(rng: Prng, cfg: GeneratorConfig, ack = true): () => ProbeOption {
  return () => ({ kind: 'ts', val: { base: 'peer.tsval', offset: 0 }, ecr: synsentTsecr(rng, cfg, ack) });
}

export function genSynSent(rng: Prng, cfg: GeneratorConfig, _index = 0): ProbePacket {
  return genSynSentKind(rng, cfg, pickKind(rng, cfg, 'synack'));
}

export function genSynSentKind(rng: Prng, cfg: GeneratorConfig, kind: string): ProbePacket {
  switch (kind) {
    case 'synack':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, SYN | ACK),
        seq: PEER_ISN,
        ack: nearEdge(rng, cfg.ack, [DUT_ISN1]),
        options: rng.chance(0.7) ? synackOptions(rng, cfg, synsentTsecr(rng, cfg)) : fuzzOptions(rng, cfg, peerTs(rng, cfg)),
        payload: pickPayload(rng, cfg),
      });
    case 'synack_tsecr':
      return packet(rng, cfg, {
        flags: SYN | ACK,
        seq: PEER_ISN,
        ack: DUT_ISN1,
        options: synackOptions(rng, cfg, synsentTsecr(rng, cfg), true),
        window: 65160,
      });
    case 'synack_opts':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, SYN | ACK),
        seq: PEER_ISN,
        ack: DUT_ISN1,
        options: fuzzOptions(rng, cfg, peerTs(rng, cfg)),
      });
    case 'synack_data': {
      const fin = rng.chance(0.5);
      return packet(rng, cfg, {
        flags: SYN | ACK | (fin ? FIN : 0),
        seq: PEER_ISN,
        ack: DUT_ISN1,
        options: synackOptions(rng, cfg, { base: 'dut.tsval', offset: 0 }),
        payload: !fin || rng.chance(0.5) ? pickPayload(rng, cfg, true) : EMPTY_PAYLOAD,
        window: 65160,
      });
    }
    case 'rst':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, RST) & ~ACK,
        seq: nearEdge(rng, cfg.seq, [PEER_ISN]),
        ack: seqRef('abs', rng.chance(0.5) ? 0 : rng.u32()),
        options: segmentOptions(rng, cfg, peerTs(rng, cfg, false)),
      });
    case 'rst_ack':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, RST | ACK),
        seq: nearEdge(rng, cfg.seq, [PEER_ISN]),
        ack: nearEdge(rng, cfg.ack, [DUT_ISN1]),
        options: segmentOptions(rng, cfg, peerTs(rng, cfg)),
      });
    case 'ack_only':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, ACK) & ~SYN,
        seq: nearEdge(rng, cfg.seq, [PEER_ISN]),
        ack: nearEdge(rng, cfg.ack, [DUT_ISN1]),
        options: segmentOptions(rng, cfg, peerTs(rng, cfg)),
        payload: pickPayload(rng, cfg),
      });
    case 'syn':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, SYN) & ~ACK,
        seq: PEER_ISN,
        ack: seqRef('abs', rng.chance(0.8) ? 0 : rng.u32()),
        options: rng.chance(0.6) ? synackOptions(rng, cfg, { base: 'abs', offset: 0 }) : fuzzOptions(rng, cfg, peerTs(rng, cfg, false)),
        payload: pickPayload(rng, cfg),
      });
    case 'flags': {
      const flags = randomFlags(rng);
      return packet(rng, cfg, {
        flags,
        seq: nearEdge(rng, cfg.seq, [PEER_ISN]),
        ack: nearEdge(rng, cfg.ack, [DUT_ISN1]),
        options: flags & SYN ? fuzzOptions(rng, cfg, peerTs(rng, cfg, (flags & ACK) !== 0)) : segmentOptions(rng, cfg, peerTs(rng, cfg, (flags & ACK) !== 0)),
        payload: pickPayload(rng, cfg),
      });
    }
    default:
      throw new Error(`synsent generator: unknown packet class '${kind}'`);
  }
}
