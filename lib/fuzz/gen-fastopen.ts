// Client Fast Open (§8.7) for synsent campaigns with `setup.fastopen: N`: each probe draws a set-up that
// puts the DUT's connecting socket in one of the client's Fast Open situations, and the `synack_tfo`
// class answers its SYN with a SYN-ACK that acknowledges none, part or all of the SYN's data, with or
// without a cookie. The set-ups (FASTOPEN_SETUPS):
//  - request-connect: TCP_FASTOPEN_CONNECT, connect(), the first write — no cookie cached: a SYN with a
//    cookie request (the no-cookie mode: connect() defers the SYN, the write sends it with the data;
//    the client bit off: the option is refused, plain SYN);
//  - request-sendto:  sendto(MSG_FASTOPEN) of N bytes with no cookie cached: a cookie request, no data;
//  - cached-sendto:   a first connection whose SYN-ACK carries COOKIE (cached with its MSS), then a
//    second connection by sendto(MSG_FASTOPEN): a SYN with the cookie and the data;
//  - cached-defer:    the same first connection, then TCP_FASTOPEN_CONNECT: connect() returns 0 and
//    sends nothing; the first write sends the SYN with the cookie and the data.
// Every set-up starts with the metrics flushed (the kernel's cookie cache empty, as the model's). Pure.
import type { GeneratorConfig } from './campaign';
import { FLAGS, nearEdge, packet, pickPayload } from './gen-common';
import { PEER_ISN, synackOptions } from './gen-synsent';
import type { Prng } from '../util/prng';
import type { BindName, ProbePacket, SeqRef, SetupStep } from './probe';

export type FastOpenSetup = 'request-connect' | 'request-sendto' | 'cached-sendto' | 'cached-defer';
export const FASTOPEN_SETUPS: readonly FastOpenSetup[] = ['request-connect', 'request-sendto', 'cached-sendto', 'cached-defer'];

/** The cookie the first connection's SYN-ACK hands the DUT in the cached set-ups. */
export const SETUP_COOKIE = Uint8Array.of(0xc0, 0x0c, 0x1e, 0x5f, 0x00, 0xd0, 0x0e, 0x11);

const BIND_SYN: readonly BindName[] = ['dutIsn', 'dutTsval', 'dutWindow'];

/**
 * The set-up steps of a Fast Open probe. `synack` is the first connection's SYN-ACK (cached set-ups):
 * the campaign's option template (with the probe's TS choice); the cookie is added here.
 */
export function fastOpenSetup(mode: FastOpenSetup, len: number, synack: ProbePacket): SetupStep[] {
  const opener = (via: 'sendto' | 'fastopen-connect'): SetupStep[] =>
    via === 'sendto'
      ? [{ kind: 'connect', tfo: { via, len } }]
      : [
          { kind: 'connect', tfo: { via, len } },
          { kind: 'write', len },
        ];
  const syn: SetupStep = { kind: 'capture', what: 'syn', bind: BIND_SYN };
  if (mode === 'request-connect') return [{ kind: 'flush-metrics' }, ...opener('fastopen-connect'), syn];
  if (mode === 'request-sendto') return [{ kind: 'flush-metrics' }, ...opener('sendto'), syn];
  return [
    { kind: 'flush-metrics' },
    ...opener('fastopen-connect'),
    syn,
    { kind: 'send', what: 'synack', packet: { ...synack, options: [...synack.options, { kind: 'tfo', cookie: SETUP_COOKIE }] } },
    { kind: 'capture', what: 'ack', bind: ['dutTsval'] },
    ...opener(mode === 'cached-sendto' ? 'sendto' : 'fastopen-connect'),
    syn,
  ];
}

/** The set-up a probe draws (uniformly). */
export function pickFastOpenSetup(rng: Prng): FastOpenSetup {
  return rng.pick(FASTOPEN_SETUPS);
}

/**
 * synack_tfo: an acceptable-looking SYN-ACK to a Fast Open SYN — ack around ISN+1 (the data not
 * acknowledged: sent again with the ACK), ISN+1+N/2 (part of it), ISN+1+N (all of it), or beyond; a
 * cookie (new, the set-up's, experimental form), an empty TFO option, or none.
 */
export function genFastOpenSynAck(rng: Prng, cfg: GeneratorConfig): ProbePacket {
  const len = cfg.setup.fastopen ?? 0;
  const edges: SeqRef[] = [
    { base: 'dut.isn', offset: 1 },
    { base: 'dut.isn', offset: 1 + len },
    { base: 'dut.isn', offset: 1 + (len >> 1) },
  ];
  const opts = synackOptions(rng, cfg, { base: 'dut.tsval', offset: 0 });
  const c = rng.int(0, 5);
  if (c === 0) opts.push({ kind: 'tfo', cookie: rng.bytes(8) });
  else if (c === 1) opts.push({ kind: 'tfo', cookie: SETUP_COOKIE });
  else if (c === 2) opts.push({ kind: 'tfo', cookie: rng.bytes(8), exp: true });
  else if (c === 3) opts.push({ kind: 'tfo', cookie: new Uint8Array(0) });
  return packet(rng, cfg, {
    flags: FLAGS.SYN | FLAGS.ACK,
    seq: PEER_ISN,
    ack: nearEdge(rng, { offsets: [-1, 0, 0, 0, 1], edge: 0.9 }, edges),
    options: opts,
    payload: rng.chance(0.15) ? pickPayload(rng, cfg, true) : new Uint8Array(0),
    window: 65160,
  });
}
