// Third packets for a request socket (after SYN → SYN-ACK): the §6 tcp_check_req edges. Sequence
// numbers around rcv_isn (peer.isn), rcv_nxt (peer.isn+1) and the window's right edge
// (rcv_nxt + the SYN-ACK's window), acks around ISN+1 (dut.isn+1), TSecr inside/outside the SYN-ACK
// TSvals sent (one SYN-ACK: [dut.tsval, dut.tsval]), TSvals older/newer than ts_recent (PAWS),
// data, FIN, RSTs in/out of window, duplicate SYNs, SYN-ACKs, segments without ACK. Pure.
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
  pickTsval,
  randomFlags,
  segmentOptions,
  seqRef,
  tsOption,
  withExtraFlags,
} from './gen-common';
import type { Prng } from '../util/prng';
import type { ProbeOption, ProbePacket, SeqRef, TsRef } from './probe';

const { FIN, SYN, RST, PSH, ACK, URG } = FLAGS;

export const RCV_ISN: SeqRef = { base: 'peer.isn', offset: 0 };
export const RCV_NXT: SeqRef = { base: 'peer.isn', offset: 1 };
export const WIN_END: SeqRef = { base: 'peer.isn', offset: 1, win: true };
export const SND_NXT: SeqRef = { base: 'dut.isn', offset: 1 };

/** A TS option that passes both checks: TSval = ts_recent (+0/+1), TSecr = the DUT's TSval. */
export function goodTs(rng: Prng): ProbeOption {
  return { kind: 'ts', val: { base: 'peer.tsval', offset: rng.pick([0, 1]) }, ecr: { base: 'dut.tsval', offset: 0 } };
}

/** NOP NOP TS(val, ecr) */
function tsOnly(ts: ProbeOption): ProbeOption[] {
  return [{ kind: 'nop' }, { kind: 'nop' }, ts];
}

/**
 * The setup SYN's options again (the campaign's template; TS relative to the peer's TSval with TSecr
 * 0), or with probability 1/2 a fuzzed list.
 */
export function synOptions(rng: Prng, cfg: GeneratorConfig, ecr: () => TsRef): ProbeOption[] {
  const ts = (): ProbeOption => ({ kind: 'ts', val: { base: 'peer.tsval', offset: rng.pick([0, 1]) }, ecr: ecr() });
  if (rng.chance(0.5)) return fuzzOptions(rng, cfg, ts);
  return cfg.setup.options.map((o) => (o.kind === 'ts' ? ts() : o));
}

export function genRequest(rng: Prng, cfg: GeneratorConfig, _index = 0): ProbePacket {
  return genRequestKind(rng, cfg, pickKind(rng, cfg, 'ack'));
}

export function genRequestKind(rng: Prng, cfg: GeneratorConfig, kind: string): ProbePacket {
  return withoutBareFin(genRequestRaw(rng, cfg, kind));
}

/**
 * A bare FIN|ACK (no payload) at exactly rcv_nxt moves a socket that never received data to CLOSE_WAIT
 * and is acknowledged by the delayed-ACK timer at the next tick — 0.6 to 8.4 ms later on this machine,
 * so it lands before or after the engine's sentinel by chance (docs/model-corrections.md C14). Such a
 * FIN gets one byte of payload: data + FIN is acknowledged 40–48 ms later, always after the sentinel.
 * No PRNG draw, so the probe stream is otherwise unchanged.
 */
export function withoutBareFin(p: ProbePacket): ProbePacket {
  const s = p.seq;
  if ((p.flags & (FIN | ACK | SYN | RST)) !== (FIN | ACK) || p.payload.length > 0) return p;
  if (s.base !== 'peer.isn' || s.offset !== 1 || s.win) return p;
  return { ...p, payload: Uint8Array.of(0x61) };
}

/**
 * After a setup SYN without TS, a third packet's TS option keeps TSecr 0. A syncookie ACK with TS and
 * a non-zero TSecr has its option bits (SACK, window scale, ECN) read from TSecr − ts_off, the
 * 4-tuple's secret offset, which a DUT that never sent a TS option never showed: no model can say
 * which bits the kernel reads (docs/model-corrections.md C26). With TSecr 0 the kernel reads none.
 * Applies to every profile (a req without TS ignores TSecr anyway). No PRNG draw.
 */
export function withKnownCookieBits(p: ProbePacket, setupTs: boolean): ProbePacket {
  if (setupTs) return p;
  // (every TS option: with two, the kernel reads the last one's TSecr)
  const unknown = (o: ProbeOption): boolean => o.kind === 'ts' && !(o.ecr.base === 'abs' && o.ecr.offset === 0);
  if (!p.options.some(unknown)) return p;
  const options = p.options.map((o): ProbeOption => (o.kind === 'ts' && unknown(o) ? { kind: 'ts', val: o.val, ecr: { base: 'abs', offset: 0 } } : o));
  return { ...p, options };
}

function genRequestRaw(rng: Prng, cfg: GeneratorConfig, kind: string): ProbePacket {
  const ts = () => tsOption(rng, cfg);
  switch (kind) {
    case 'ack':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, ACK),
        seq: nearEdge(rng, cfg.seq, [RCV_NXT]),
        ack: nearEdge(rng, cfg.ack, [SND_NXT]),
        options: segmentOptions(rng, cfg, ts),
        payload: pickPayload(rng, cfg),
      });
    case 'window_edge': {
      const seq = nearEdge(rng, { offsets: cfg.seq.offsets, edge: Math.max(cfg.seq.edge, 0.9) }, [RCV_NXT, WIN_END]);
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, ACK),
        seq,
        ack: SND_NXT,
        options: rng.chance(cfg.options.ts) ? tsOnly(goodTs(rng)) : [],
        payload: rng.chance(0.5) ? pickPayload(rng, cfg, true) : EMPTY_PAYLOAD,
      });
    }
    case 'tsecr':
      return packet(rng, cfg, {
        flags: ACK,
        seq: RCV_NXT,
        ack: SND_NXT,
        options: tsOnly({ kind: 'ts', val: { base: 'peer.tsval', offset: rng.pick([0, 1]) }, ecr: pickTsecr(rng, cfg) }),
        payload: pickPayload(rng, cfg),
      });
    case 'paws':
      return packet(rng, cfg, {
        flags: ACK,
        seq: RCV_NXT,
        ack: SND_NXT,
        options: tsOnly({ kind: 'ts', val: pickTsval(rng, cfg), ecr: { base: 'dut.tsval', offset: 0 } }),
        payload: pickPayload(rng, cfg),
      });
    case 'data':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, PSH | ACK),
        seq: nearEdge(rng, cfg.seq, [RCV_NXT]),
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
    case 'rst': {
      const flags = withExtraFlags(rng, cfg, rng.chance(0.5) ? RST : RST | ACK);
      return packet(rng, cfg, {
        flags,
        seq: nearEdge(rng, cfg.seq, [RCV_ISN, RCV_NXT, WIN_END]),
        ack: flags & ACK ? nearEdge(rng, cfg.ack, [SND_NXT]) : seqRef('abs', 0),
        options: segmentOptions(rng, cfg, ts),
      });
    }
    case 'dup_syn': {
      const flags = withExtraFlags(rng, cfg, SYN);
      const seq = rng.chance(0.5) ? RCV_ISN : nearEdge(rng, cfg.seq, [RCV_ISN, RCV_NXT, WIN_END]);
      return packet(rng, cfg, {
        flags,
        seq,
        ack: flags & ACK ? nearEdge(rng, cfg.ack, [SND_NXT]) : seqRef('abs', 0),
        options: synOptions(rng, cfg, () => ({ base: 'abs', offset: 0 })),
        payload: pickPayload(rng, cfg),
        window: 64240,
      });
    }
    case 'syn_ack':
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, SYN | ACK),
        seq: nearEdge(rng, cfg.seq, [RCV_ISN]),
        ack: nearEdge(rng, cfg.ack, [SND_NXT]),
        options: synOptions(rng, cfg, () => pickTsecr(rng, cfg)),
        payload: pickPayload(rng, cfg),
      });
    case 'no_ack':
      return packet(rng, cfg, {
        flags: rng.pick([0, FIN, PSH, FIN | PSH, URG, PSH | URG]),
        seq: nearEdge(rng, cfg.seq, [RCV_NXT]),
        ack: seqRef('abs', rng.chance(0.5) ? 0 : rng.u32()),
        options: segmentOptions(rng, cfg, ts),
        payload: pickPayload(rng, cfg),
      });
    case 'flags': {
      const flags = randomFlags(rng);
      return packet(rng, cfg, {
        flags,
        seq: nearEdge(rng, cfg.seq, [RCV_ISN, RCV_NXT, WIN_END]),
        ack: nearEdge(rng, cfg.ack, [SND_NXT]),
        options: flags & SYN ? synOptions(rng, cfg, () => pickTsecr(rng, cfg)) : segmentOptions(rng, cfg, ts),
        payload: pickPayload(rng, cfg),
      });
    }
    default:
      throw new Error(`request generator: unknown packet class '${kind}'`);
  }
}
