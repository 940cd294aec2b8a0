// Differential runs at a listener: random SYNs into the real kernel, each judged against the model's
// prediction for a fresh listener under the same sysctls. Used by the differential integration test
// (≥ 2,000 SYNs per profile and family) and as the core of listener fuzz campaigns.
import { apply, initialState, makeEnv } from '../../lib/model';
import type { ModelEnv, ModelState } from '../../lib/model';
import { judge, Divergence } from '../../lib/match/judge';
import { buildIp } from '../../lib/wire/build';
import { decodeEthernet, decodeIp } from '../../lib/wire/decode';
import { toPacketJson } from '../../lib/wire/summary';
import type { PacketJson } from '../../lib/wire/types';
import { Prng } from '../../lib/util/prng';
import { randomSyn, SynShape } from '../../lib/fuzz/syn-generator';
import type { Lab } from '../topology/lab';
import { readModelSysctls } from './dut-sysctls';
import { EngineStats, ListenerEngine } from './listener-engine';

/** The sysctl profiles a differential run covers (the integration test and `synh differential`). */
export const DIFFERENTIAL_PROFILES: Readonly<Record<string, Record<string, number>>> = {
  defaults: {},
  'syncookies=2': { 'net.ipv4.tcp_syncookies': 2 },
  'timestamps=0,sack=0': { 'net.ipv4.tcp_timestamps': 0, 'net.ipv4.tcp_sack': 0 },
  'window_scaling=0,ecn=1,reflect_tos=1': { 'net.ipv4.tcp_window_scaling': 0, 'net.ipv4.tcp_ecn': 1, 'net.ipv4.tcp_reflect_tos': 1 },
};

export interface DifferentialOptions {
  ip: 4 | 6;
  probes: number;
  seed: number;
  port?: number;
  backlog?: number;
  window?: number;
  /** First peer source port; probes use consecutive ports from here. */
  firstSport?: number;
}

export interface DivergentProbe {
  index: number;
  packet: string; // hex, from the IP header
  shape: SynShape;
  predicted: PacketJson[];
  observed: PacketJson[];
  divergence: Divergence;
  reasons: string[];
}

export interface DifferentialResult {
  probes: number;
  agreed: number;
  divergent: DivergentProbe[];
  rulesHit: Set<string>;
  engine: EngineStats;
  sysctls: Record<string, string>;
  kernel: string;
}

/** The first `max` divergent probes of a run, each with its rule, packet, both sides and reasons. */
export function formatDivergences(r: DifferentialResult, max = 5): string {
  return r.divergent
    .slice(0, max)
    .map((d) =>
      [
        `  probe ${d.index}: ${d.divergence.text}`,
        `    rule      ${d.divergence.rule} (${d.divergence.fn})`,
        `    packet    ${d.packet}`,
        `    predicted ${JSON.stringify(d.predicted)}`,
        `    observed  ${JSON.stringify(d.observed)}`,
        `    reasons   ${d.reasons.join(' | ')}`,
      ].join('\n'),
    )
    .join('\n');
}

/** Open a listener on the lab's DUT address of family `ip`; returns its fd in the DUT agent. */
export async function openListener(lab: Lab, ip: 4 | 6, port: number, backlog: number): Promise<number> {
  const a = ip === 4 ? lab.addr.v4 : lab.addr.v6;
  const fd = (await lab.agent.must('socket', { family: ip })).fd;
  await lab.agent.must('bind', { fd, addr: a.dut, port });
  await lab.agent.must('listen', { fd, backlog });
  return fd;
}

/** Open a listener in the lab and return the model env + the model's state with that listener. */
export async function modelForListener(
  lab: Lab,
  ip: 4 | 6,
  port: number,
  backlog: number,
): Promise<{ env: ModelEnv; state: ModelState; sysctls: Record<string, string>; kernel: string; fd: number }> {
  const a = ip === 4 ? lab.addr.v4 : lab.addr.v6;
  const fd = await openListener(lab, ip, port, backlog);
  const sysctls = await readModelSysctls(lab);
  const kernel = (await lab.agent.must('uname', {})).release;
  const env = makeEnv({ release: kernel, version: lab.agent.version, ip, dut: a.dut, peer: a.peer, mtu: lab.mtu, sysctls });
  const state = apply(env, initialState(env), { type: 'listen', port, backlog }, 0).state;
  return { env, state, sysctls, kernel, fd };
}

export async function runDifferential(lab: Lab, o: DifferentialOptions): Promise<DifferentialResult> {
  const port = o.port ?? 8080;
  const { env, state, sysctls, kernel, fd } = await modelForListener(lab, o.ip, port, o.backlog ?? 4096);
  const a = o.ip === 4 ? lab.addr.v4 : lab.addr.v6;
  const rng = new Prng(o.seed);
  const firstSport = o.firstSport ?? 10000;
  const engine = new ListenerEngine(lab, { window: o.window ?? 64 });
  const divergent: DivergentProbe[] = [];
  const rulesHit = new Set<string>();
  let agreed = 0;
  let i = 0;
  const stats = await engine.run(
    () => {
      if (i >= o.probes) return undefined;
      const shape = randomSyn(rng);
      const bytes = buildIp({
        ip: o.ip,
        src: a.peer,
        dst: a.dut,
        sport: firstSport + i,
        dport: port,
        flags: shape.flags,
        seq: shape.seq,
        ack: shape.flags & 0x10 ? rng.u32() : 0,
        window: shape.window,
        urg: shape.urg,
        options: shape.options,
        payload: shape.payload,
        ...(o.ip === 4 ? { tos: shape.tos } : { tclass: shape.tos }),
        mistakes: shape.reserved ? { reservedBits: shape.reserved } : undefined,
      });
      return { ip: o.ip, bytes, meta: { index: i++, shape } };
    },
    (out) => {
      const { index, shape } = out.probe.meta as { index: number; shape: SynShape };
      const nowMs = Number(out.sentNs) / 1e6;
      const step = apply(env, state, { type: 'segment', seg: decodeIp(out.probe.bytes) }, nowMs);
      for (const r of step.reasons) rulesHit.add(r.rule);
      const observed = out.replies.map((f) => toPacketJson(decodeEthernet(f.bytes))!);
      const v = judge(step.responses, observed, step.state, step.reasons);
      if (v.ok) agreed++;
      else {
        divergent.push({
          index,
          shape,
          packet: Buffer.from(out.probe.bytes).toString('hex'),
          predicted: step.responses.map((p) => p.packet),
          observed,
          divergence: v.divergence!,
          reasons: step.reasons.map((r) => r.toString()),
        });
      }
    },
  );
  await lab.agent.close(fd);
  return { probes: stats.probes, agreed, divergent, rulesHit, engine: stats, sysctls, kernel };
}
