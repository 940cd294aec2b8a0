// `synh predict`: one packet in, the kernel's predicted answer out (JSON), each against a fresh
// listener (or a closed port). The CLI wiring (commander) lives in harness/cli.
import { fromHex, toHex } from '../wire/bytes';
import { detectPasted } from '../wire/link';
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
  const ip: 4 | 6 = d.ip ? d.ip.version : (o.ip ?? 4);
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

/** Pasted bytes that are not a packet synh predict can take; the message says what they are and what to give. */
export class PredictInputError extends Error {}

/**
 * The IP packet in bytes a user pasted: a bare IPv4/IPv6 packet or an Ethernet frame carrying one
 * (lib/wire/link detectPasted). With `ip`, the packet must be of that version.
 */
export function pastedPacket(bytes: Uint8Array, ip?: 4 | 6): { ip: Uint8Array; link: string; offset: number } {
  if (bytes.length === 0) throw new PredictInputError('empty packet: give the bytes from the IP header (or the Ethernet header) on');
  const at = detectPasted(bytes);
  if (!at) {
    const type = bytes.length >= 14 ? `, bytes 12-13 0x${toHex(bytes.subarray(12, 14))}` : '';
    throw new PredictInputError(
      `neither an IP packet (version nibble ${bytes[0] >> 4}) nor an Ethernet frame carrying IP (ethertype 0x0800 or 0x86dd at byte 12${type}): give the bytes from the IP or the Ethernet header on`,
    );
  }
  const pkt = bytes.subarray(at.offset);
  const version = pkt[0] >> 4;
  if (ip !== undefined && version !== ip) throw new PredictInputError(`--ip ${ip} but the packet is IPv${version}: drop --ip, or give an IPv${ip} packet`);
  return { ip: pkt, link: at.link, offset: at.offset };
}

/** predictPacket for pasted bytes (IP or Ethernet); an Ethernet frame adds an `input:` reason first. */
export function predictPasted(o: PredictOptions, bytes: Uint8Array, nowMs = 0): PredictResult {
  const p = pastedPacket(bytes, o.ip);
  const r = predictPacket(o, p.ip, nowMs);
  if (p.offset > 0) r.reasons.unshift(`input: ${p.link}, IP header at byte ${p.offset}`);
  return r;
}

/** One output line per input line: `out` for stdout ('' for a blank or # line), `problem` for a bad line. */
export interface PredictLine {
  out: string;
  /** "file:line:column: what is wrong — what to do", for stderr. */
  problem?: string;
}

/** 1-based column of the first character that is not hex (or of the line's first non-space). */
function badColumn(raw: string): number {
  const body = /^\s*(0[xX])?/.exec(raw)![0].length;
  const m = /[^0-9a-fA-F\s:]/.exec(raw.slice(body));
  return m ? body + m.index + 1 : raw.length - raw.trimStart().length + 1;
}

/**
 * `synh predict --packets`: one output line per input line, so output line N answers input line N.
 * A good line gives {"line": N, "responses": […], "reasons": […]}; a bad one {"line": N, "error": …}
 * and a `problem` naming file:line:column. Never throws.
 */
export function* predictLines(o: PredictOptions, lines: Iterable<string>, file = '-'): Iterable<PredictLine> {
  let n = 0;
  for (const raw of lines) {
    n++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      yield { out: '' };
      continue;
    }
    try {
      const bytes = fromHex(line.replace(/\s+/g, ''));
      yield { out: JSON.stringify({ line: n, ...predictPasted(o, bytes) }) };
    } catch (e) {
      const msg = (e as Error).message;
      const col = /invalid hex/.test(msg) ? badColumn(raw) : raw.length - raw.trimStart().length + 1;
      const short = msg.length > 200 ? `${msg.slice(0, 200)}…` : msg;
      yield { out: JSON.stringify({ line: n, error: short }), problem: `${file}:${n}:${col}: ${short}` };
    }
  }
}

/** The lines of a --packets file: split on LF (a CR before it dropped); a final newline ends the last line. */
export function packetFileLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
