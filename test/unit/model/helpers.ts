// Test helpers: build real packets with the codec, run the model, read its predictions.
import { buildIp, PacketSpec } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import type { Decoded, OptionJson, PacketJson, TcpOption } from '../../../lib/wire/types';
import { apply, initialState, makeEnv, MakeEnvOptions } from '../../../lib/model';
import type { ModelEnv, ModelEvent, ModelState, StepResult } from '../../../lib/model';
import type { SockOpts } from '../../../lib/model/core/sockopts';

export const DUT = '10.0.0.1';
export const PEER = '10.0.0.2';
export const DUT6 = 'fd00::1';
export const PEER6 = 'fd00::2';

export function env(o: Partial<MakeEnvOptions> = {}): ModelEnv {
  const ip = o.ip ?? 4;
  return makeEnv({ ip, dut: ip === 4 ? DUT : DUT6, peer: ip === 4 ? PEER : PEER6, ...o });
}

export type SegSpec = Partial<Omit<PacketSpec, 'ip'>> & { flags: string | number };

export function pkt(e: ModelEnv, s: SegSpec): Decoded {
  const spec: PacketSpec = {
    ip: e.ip,
    src: e.peer,
    dst: e.dut,
    sport: 40000,
    dport: 80,
    seq: 1000,
    window: 64240,
    ...s,
  } as PacketSpec;
  return decodeIp(buildIp(spec));
}

export const FULL: TcpOption[] = [
  { kind: 'mss', value: 1460 },
  { kind: 'sackOK' },
  { kind: 'ts', val: 100, ecr: 0 },
  { kind: 'nop' },
  { kind: 'wscale', shift: 7 },
];

export function listening(e: ModelEnv, opts: SockOpts = {}, backlog = 128, port = 80): ModelState {
  return apply(e, initialState(e), { type: 'listen', port, backlog, opts }, 0).state;
}

export function run(e: ModelEnv, s: ModelState, ev: ModelEvent, now = 1000): StepResult {
  return apply(e, s, ev, now);
}

export function seg(e: ModelEnv, s: ModelState, spec: SegSpec, now = 1000): StepResult {
  return apply(e, s, { type: 'segment', seg: pkt(e, spec) }, now);
}

export function only(r: StepResult): PacketJson {
  if (r.responses.length !== 1) throw new Error(`expected 1 response, got ${r.responses.length}: ${r.reasons.map(String).join(' | ')}`);
  return r.responses[0].packet;
}

export function opts(p: PacketJson): OptionJson[] {
  return p.tcp.options;
}

export function rules(r: StepResult): string[] {
  return r.reasons.map((x) => x.rule);
}

/** Runs a sequence of events, threading the state; returns every step. */
export function chain(e: ModelEnv, s: ModelState, evs: Array<[ModelEvent, number]>): { state: ModelState; steps: StepResult[] } {
  const steps: StepResult[] = [];
  for (const [ev, now] of evs) {
    const r = apply(e, s, ev, now);
    steps.push(r);
    s = r.state;
  }
  return { state: s, steps };
}
