// Single packets at a listener (no request socket for the 4-tuple): random SYNs (the existing
// randomSyn, and campaign-driven option lists), and everything that is not a plain SYN — ACKs (the
// listener RST, and the syncookie validation path when cookies were sent recently), RSTs, FINs,
// null segments, data, random flags. Pure.
import type { GeneratorConfig } from './campaign';
import {
  compile,
  EMPTY_PAYLOAD,
  FLAGS,
  fuzzOptions,
  nearEdge,
  packet,
  pickKind,
  pickMistakes,
  pickPayload,
  randomFlags,
  segmentOptions,
  seqRef,
  withExtraFlags,
} from './gen-common';
import type { Prng } from '../util/prng';
import type { ProbeOption, ProbePacket, SeqRef } from './probe';
import { randomSyn } from './syn-generator';

const { FIN, SYN, RST, PSH, ACK } = FLAGS;

/** Low 6 TSval bits a syncookie encodes (ws | sack << 4 | ecn << 5), as seen on the wire (§4.9). */
const COOKIE_BITS = [0x00, 0x03, 0x07, 0x0a, 0x0e, 0x0f, 0x17, 0x1e, 0x1f, 0x2f, 0x3f];

const ISN: SeqRef = { base: 'peer.isn', offset: 0 };
const ISN1: SeqRef = { base: 'peer.isn', offset: 1 };

function absAck(rng: Prng): SeqRef {
  return { base: 'abs', offset: rng.chance(0.5) ? 0 : rng.u32() };
}

function tsAbs(rng: Prng): ProbeOption {
  return { kind: 'ts', val: { base: 'peer.tsval', offset: 0 }, ecr: { base: 'abs', offset: rng.chance(0.7) ? 0 : rng.u32() } };
}

/** randomSyn's SYN as a probe packet on the probe's flow (seq = the peer ISN). */
function classicSyn(rng: Prng, cfg: GeneratorConfig): ProbePacket {
  const s = randomSyn(rng, compile(cfg).synWeights);
  const options: ProbeOption[] = s.options.map((o) =>
    o.kind === 'ts' ? { kind: 'ts', val: { base: 'abs', offset: o.val }, ecr: { base: 'abs', offset: o.ecr } } : o,
  );
  const mistakes = pickMistakes(rng, cfg);
  if (s.reserved) mistakes.reservedBits = s.reserved;
  else if (mistakes.reservedBits !== undefined) delete mistakes.reservedBits; // (a delete turns the object slow: only when there is one)
  return {
    flags: s.flags,
    seq: ISN,
    ack: s.flags & ACK ? { base: 'abs', offset: rng.u32() } : { base: 'abs', offset: 0 },
    window: s.window,
    urg: s.urg,
    options,
    payload: s.payload,
    tos: s.tos,
    mistakes,
  };
}

export function genListener(rng: Prng, cfg: GeneratorConfig, _index = 0): ProbePacket {
  return genListenerKind(rng, cfg, pickKind(rng, cfg, 'syn'));
}

export function genListenerKind(rng: Prng, cfg: GeneratorConfig, kind: string): ProbePacket {
  switch (kind) {
    case 'syn':
      return classicSyn(rng, cfg);
    case 'syn_opts': {
      const flags = withExtraFlags(rng, cfg, SYN);
      const options = fuzzOptions(rng, cfg, () => tsAbs(rng));
      return packet(rng, cfg, { flags, seq: ISN, ack: flags & ACK ? absAck(rng) : seqRef('abs', 0), options, payload: pickPayload(rng, cfg) });
    }
    case 'ack': {
      const flags = withExtraFlags(rng, cfg, ACK);
      const seq = nearEdge(rng, cfg.seq, [ISN, ISN1]);
      return packet(rng, cfg, { flags, seq, ack: absAck(rng), options: segmentOptions(rng, cfg, () => tsAbs(rng)), payload: pickPayload(rng, cfg) });
    }
    case 'cookie_ack': {
      const flags = withExtraFlags(rng, cfg, ACK);
      const options: ProbeOption[] = [];
      if (rng.chance(0.7)) {
        const hi = rng.u32() & ~0x3f;
        const ecr = rng.chance(0.1) ? 0 : (hi | rng.pick(COOKIE_BITS)) >>> 0;
        options.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: { base: 'peer.tsval', offset: 0 }, ecr: { base: 'abs', offset: ecr } });
      }
      return packet(rng, cfg, {
        flags,
        seq: ISN1,
        ack: { base: 'abs', offset: rng.u32() },
        options,
        payload: rng.chance(0.1) ? pickPayload(rng, cfg, true) : EMPTY_PAYLOAD,
      });
    }
    case 'rst': {
      const flags = withExtraFlags(rng, cfg, rng.chance(0.5) ? RST : RST | ACK);
      return packet(rng, cfg, { flags, seq: nearEdge(rng, cfg.seq, [ISN, ISN1]), ack: absAck(rng), options: segmentOptions(rng, cfg, () => tsAbs(rng)) });
    }
    case 'fin': {
      const flags = withExtraFlags(rng, cfg, rng.pick([FIN, FIN | ACK, SYN | FIN, SYN | FIN | ACK]));
      return packet(rng, cfg, {
        flags,
        seq: nearEdge(rng, cfg.seq, [ISN, ISN1]),
        ack: flags & ACK ? absAck(rng) : seqRef('abs', 0),
        options: segmentOptions(rng, cfg, () => tsAbs(rng)),
        payload: pickPayload(rng, cfg),
      });
    }
    case 'no_flags':
      return packet(rng, cfg, {
        flags: 0,
        seq: nearEdge(rng, cfg.seq, [ISN, ISN1]),
        ack: seqRef('abs', 0),
        options: segmentOptions(rng, cfg, () => tsAbs(rng)),
        payload: pickPayload(rng, cfg),
      });
    case 'data': {
      const flags = rng.pick([0, PSH, ACK, PSH | ACK]);
      return packet(rng, cfg, {
        flags,
        seq: nearEdge(rng, cfg.seq, [ISN, ISN1]),
        ack: flags & ACK ? absAck(rng) : seqRef('abs', 0),
        options: segmentOptions(rng, cfg, () => tsAbs(rng)),
        payload: pickPayload(rng, cfg, true),
      });
    }
    case 'flags': {
      const flags = randomFlags(rng);
      const options = flags & SYN ? fuzzOptions(rng, cfg, () => tsAbs(rng)) : segmentOptions(rng, cfg, () => tsAbs(rng));
      return packet(rng, cfg, { flags, seq: nearEdge(rng, cfg.seq, [ISN, ISN1]), ack: absAck(rng), options, payload: pickPayload(rng, cfg) });
    }
    case 'tfo_valid': {
      // The cookie is resolved from the probe's profile key (probeAt: withProfileKeys) and addresses.
      const exp = rng.chance(0.2);
      const which = rng.chance(0.35) ? 'backup' : 'primary';
      const options: ProbeOption[] = [
        { kind: 'mss', value: 1460 },
        { kind: 'sackOK' },
        tsAbs(rng),
        { kind: 'nop' },
        { kind: 'wscale', shift: 7 },
        { kind: 'tfo-valid', keyHex: '', which, ...(exp ? { exp: true } : {}) },
      ];
      return packet(rng, cfg, {
        flags: withExtraFlags(rng, cfg, SYN),
        seq: ISN,
        ack: seqRef('abs', 0),
        options,
        payload: pickPayload(rng, cfg, rng.chance(0.6)),
      });
    }
    default:
      throw new Error(`listener generator: unknown packet class '${kind}'`);
  }
}
