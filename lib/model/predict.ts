// `synh predict`: one packet in, the kernel's predicted answer out (JSON), each against a fresh
// listener (or a closed port). The CLI wiring (commander) lives in harness/cli.
import { fromHex } from '../wire/bytes';
import { decodeIp } from '../wire/decode';
import type { PacketJson } from '../wire/types';
import { apply, initialState, makeEnv } from './index';
import { parseSockopts } from './core/sockopts';

export interface PredictOptions {
  ip?: 4 | 6;
  kernel?: string;
  /** Absent = closed port. */
  listen?: { port: number; backlog: number };
  sysctls: Record<string, string>;
  sockopts: Record<string, string>;
}

export interface PredictResult {
  responses: PacketJson[];
  reasons: string[];
}

/**
 * Predicts the kernel's answer to one IP packet (src = peer, dst = DUT). Throws only on bad options
 * (unknown sysctl/sockopt names, refused values); any packet bytes are handled.
 */
export function predictPacket(o: PredictOptions, ipPacket: Uint8Array, nowMs = 0): PredictResult {
  const d = decodeIp(ipPacket);
  const ip: 4 | 6 = d.ip ? d.ip.version : o.ip ?? 4;
  const peer = d.ip ? d.ip.src : ip === 4 ? '0.0.0.0' : '::';
  const dut = d.ip ? d.ip.dst : ip === 4 ? '0.0.0.0' : '::';
  const env = makeEnv({ release: o.kernel, ip, dut, peer, sysctls: o.sysctls });
  const reasons: string[] = env.notes.map((r) => r.toString());
  let state = initialState(env);
  if (o.listen) {
    const r = apply(env, state, { type: 'listen', port: o.listen.port, backlog: o.listen.backlog, opts: parseSockopts(o.sockopts) }, nowMs);
    state = r.state;
    for (const x of r.reasons) reasons.push(x.toString());
  } else if (Object.keys(o.sockopts ?? {}).length) {
    parseSockopts(o.sockopts); // validate names even without a listener
  }
  const r = apply(env, state, { type: 'segment', seg: d }, nowMs);
  for (const x of r.reasons) reasons.push(x.toString());
  return { responses: r.responses.map((p) => p.packet), reasons };
}

/** One JSON line per non-blank input line; a bad line yields {"error": "..."} and never throws. */
export function* predictLines(o: PredictOptions, hexLines: Iterable<string>): Iterable<string> {
  for (const raw of hexLines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      const bytes = fromHex(line.replace(/\s+/g, ''));
      yield JSON.stringify(predictPacket(o, bytes));
    } catch (e) {
      yield JSON.stringify({ error: (e as Error).message });
    }
  }
}
