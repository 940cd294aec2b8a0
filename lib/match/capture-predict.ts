// `synh predict --pcap`: the model replayed over a capture. Each packet the peer sent is applied to
// the model in order, at its capture time (timers due before it fire first), and its predicted
// answer is reported; each packet the DUT sent claims the prediction it answers (ModelTrack: the
// oldest one on its flow that agrees, binding the ISN, TS offset and flow label it reveals, so later
// predictions are concrete) and is reported as predicted or not, with the differing fields.
// The model sees only packets: socket calls the DUT's application made (accept, close, setsockopt)
// are not in a capture, so after one the predictions may part from the kernel. Pure.
import { apply, initialState, makeEnv, matchPrediction } from '../model';
import type { PredictOptions } from '../model/predict';
import { parseSockopts } from '../model/core/sockopts';
import { ipv4FromBytes, ipv4ToBytes, ipv6FromBytes, ipv6ToBytes } from '../wire/addr';
import { decodeIp } from '../wire/decode';
import { ipInFrame } from '../wire/link';
import { toPacketJson } from '../wire/summary';
import { ACK, SYN, type Decoded, type PacketJson } from '../wire/types';
import { ModelTrack } from './model-track';

export interface CaptureFrameIn {
  tsNs: bigint;
  bytes: Uint8Array;
  linkType: number;
  /** pcapng direction flag: 'sent' marks the peer's frames in synh's own captures. */
  dir?: 'sent' | 'received';
}

export interface CapturePredictOptions extends PredictOptions {
  /** The peer's address: its packets are predicted, the DUT's (sent to it) judged. */
  from?: string;
}

/** One output line. `frame` is the 1-based frame number in the capture (as Wireshark counts). */
export type CaptureLine =
  | { frame: number; t: number; kind: 'peer'; responses: PacketJson[]; reasons: string[] }
  | { frame: number; t: number; kind: 'dut'; predicted: boolean; rule?: string; diffs: string[] }
  | { t: number; kind: 'missing'; rule: string; packet: PacketJson };

export interface CapturePrediction {
  peer: string;
  dut: string;
  /** How the peer was chosen. */
  how: string;
  lines: CaptureLine[];
  /** TCP frames between other addresses, and frames that carry no IP/TCP, left out. */
  ignored: number;
}

export class CaptureInputError extends Error {}

/** An address in the form the decoder writes (RFC 5952 for IPv6); throws CaptureInputError when it is none. */
export function canonicalAddress(text: string): string {
  const s = text.trim();
  try {
    return s.includes(':') ? ipv6FromBytes(ipv6ToBytes(s)) : ipv4FromBytes(ipv4ToBytes(s));
  } catch (e) {
    throw new CaptureInputError(
      `--from ${JSON.stringify(s.slice(0, 60))}: ${(e as Error).message.replace(/^invalid /, 'not an ')} — give the peer's IPv4 or IPv6 address`,
    );
  }
}

interface Tcp {
  frame: number;
  tsNs: bigint;
  d: Decoded;
  json: PacketJson;
  dir?: 'sent' | 'received';
}

function tcpFrames(frames: readonly CaptureFrameIn[]): { tcp: Tcp[]; other: number } {
  const tcp: Tcp[] = [];
  let other = 0;
  frames.forEach((f, i) => {
    const at = ipInFrame(f.linkType, f.bytes);
    const d = at ? decodeIp(f.bytes.subarray(at.offset)) : undefined;
    const json = d && toPacketJson(d);
    if (d && json) tcp.push({ frame: i + 1, tsNs: f.tsNs, d, json, dir: f.dir });
    else other++;
  });
  return { tcp, other };
}

/** The peer's address and how it was chosen: --from, the capture's direction flags, or the first SYN's source. */
function choosePeer(o: CapturePredictOptions, tcp: readonly Tcp[]): { peer: string; how: string } {
  if (o.from !== undefined) return { peer: canonicalAddress(o.from), how: '--from' };
  const sent = tcp.find((p) => p.dir === 'sent');
  if (sent) return { peer: sent.d.ip!.src, how: "the capture's direction flags (the first outbound packet's source)" };
  const syn = tcp.find((p) => (p.d.tcp!.flags & (SYN | ACK)) === SYN);
  if (syn) return { peer: syn.d.ip!.src, how: 'the source of the first SYN without ACK (give --from ADDR to choose)' };
  return { peer: tcp[0].d.ip!.src, how: 'the source of the first TCP packet (give --from ADDR to choose)' };
}

const ms = (ns: bigint): number => Number(ns / 1000n) / 1000;

export function predictCapture(o: CapturePredictOptions, frames: readonly CaptureFrameIn[]): CapturePrediction {
  const { tcp, other } = tcpFrames(frames);
  if (!tcp.length) throw new CaptureInputError(`the capture holds no TCP packet over IPv4 or IPv6 (${frames.length} frame(s))`);
  const { peer, how } = choosePeer(o, tcp);
  const first = tcp.find((p) => p.d.ip!.src === peer);
  if (!first) throw new CaptureInputError(`no TCP packet in the capture comes from ${peer} (chosen by ${how}) — give --from with the peer's address`);
  const dut = first.d.ip!.dst;
  const ip = first.d.ip!.version;
  if (o.ip !== undefined && o.ip !== ip) throw new CaptureInputError(`--ip ${o.ip} but the peer's packets are IPv${ip}: drop --ip`);

  const env = makeEnv({ release: o.kernel, ip, dut, peer, sysctls: o.sysctls });
  const t0 = first.tsNs;
  let state = initialState(env);
  if (o.listen) {
    state = apply(env, state, { type: 'listen', port: o.listen.port, backlog: o.listen.backlog, opts: parseSockopts(o.sockopts) }, 0).state;
  } else if (Object.keys(o.sockopts ?? {}).length) {
    parseSockopts(o.sockopts);
  }
  const track = new ModelTrack(env, state, 0, (port) => String(port));
  const lines: CaptureLine[] = [];
  /** DUT packets met before any prediction on their flow (a capture that stamps a reply before its cause). */
  let held: Array<{ p: Tcp; t: number }> = [];
  let lastT = 0;

  const judge = (p: Tcp, t: number): boolean => {
    const flow = String(p.json.tcp.dport);
    if (!track.due(flow).length) return false;
    const claimed = track.claim(flow, p.json)!;
    const diffs = matchPrediction(claimed.pred, p.json, track.state);
    lines.push({
      frame: p.frame,
      t,
      kind: 'dut',
      predicted: diffs.length === 0,
      rule: claimed.pred.reason.rule,
      diffs: diffs.map((d) => `${d.field}: expected ${d.expected}, observed ${d.observed}${d.reason ? ` (${d.reason})` : ''}`),
    });
    return true;
  };

  let ignored = other;
  for (const p of tcp) {
    const t = Math.max(0, ms(p.tsNs - t0));
    lastT = Math.max(lastT, t);
    if (p.d.ip!.src === peer && p.d.ip!.dst === dut) {
      track.advance(t);
      const r = track.event({ type: 'segment', seg: p.d }, t, String(p.json.tcp.sport));
      const reasons = r.reasons.map(String);
      if (!lines.some((l) => l.kind === 'peer')) reasons.unshift(...env.notes.map(String), `input: peer ${peer} (by ${how}), DUT ${dut}`);
      lines.push({ frame: p.frame, t, kind: 'peer', responses: r.responses.map((x) => x.packet), reasons });
      held = held.filter((h) => !judge(h.p, h.t));
    } else if (p.d.ip!.src === dut && p.d.ip!.dst === peer) {
      track.advance(t);
      if (!judge(p, t)) held.push({ p, t });
    } else {
      ignored++;
    }
  }
  for (const h of held) lines.push({ frame: h.p.frame, t: h.t, kind: 'dut', predicted: false, diffs: ['the model predicted no packet on this flow'] });
  for (const x of track.due()) {
    if (x.pred.atMs <= lastT) lines.push({ t: x.pred.atMs, kind: 'missing', rule: x.pred.reason.rule, packet: x.pred.packet });
  }
  const order = (l: CaptureLine): number => ('frame' in l ? l.frame : Infinity);
  lines.sort((a, b) => order(a) - order(b) || a.t - b.t);
  return { peer, dut, how, lines, ignored };
}
