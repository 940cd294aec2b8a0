// The model benchmarks' workloads (bench/model.ts, bench/model-instructions.ts), each predicted against
// a fresh listener: one SYN with MSS, SACK, TS and WS (→ one SYN-ACK), and the listener fuzz campaign's
// mix (cases/campaigns/listener-syn-flood-mix.yaml) per sysctl profile and IP version, built as the
// engine sends it. Imports only lib/ (bench/model-instructions.ts runs it from the transpiled mirror).
import { join } from 'path';
import { loadCampaignFile } from '../lib/fuzz/campaign-load';
import { probeAt } from '../lib/fuzz/generate';
import { bindingsFor, probePacketSpec } from '../lib/fuzz/probe';
import { apply, initialState, makeEnv } from '../lib/model';
import type { ModelEnv, ModelState } from '../lib/model';
import { buildIp } from '../lib/wire/build';
import { decodeIp } from '../lib/wire/decode';
import type { Decoded } from '../lib/wire/types';

export interface Workload {
  name: string;
  env: ModelEnv;
  state: ModelState;
  segs: Decoded[];
}

function listening(env: ModelEnv, port: number, backlog: number): ModelState {
  return apply(env, initialState(env), { type: 'listen', port, backlog }, 0).state;
}

/** `n` distinct SYNs (source ports 20000…) to a fresh listener on port 80. */
export function synWorkload(n: number): Workload {
  const env = makeEnv({ ip: 4, dut: '10.0.0.1', peer: '10.0.0.2' });
  const segs: Decoded[] = [];
  for (let i = 0; i < n; i++) {
    segs.push(
      decodeIp(
        buildIp({
          ip: 4,
          src: '10.0.0.2',
          dst: '10.0.0.1',
          sport: 20000 + i,
          dport: 80,
          seq: 1000 + i * 7919,
          flags: 'S',
          options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 100 + i, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
        }),
      ),
    );
  }
  return { name: 'SYN (MSS,SACK,TS,WS) → SYN-ACK', env, state: listening(env, 80, 128), segs };
}

/** The campaign's first `n` probes of each profile and IP version, one workload each. */
export function campaignWorkloads(n: number): Workload[] {
  const c = loadCampaignFile(join(__dirname, '../cases/campaigns/listener-syn-flood-mix.yaml'));
  const out: Workload[] = [];
  for (const profile of c.profiles) {
    for (const ip of [4, 6] as const) {
      const ends = ip === 4 ? { src: '198.18.0.2', dst: '198.18.0.1', dport: c.listen!.port } : { src: '2001:2::2', dst: '2001:2::1', dport: c.listen!.port };
      const env = makeEnv({ ip, dut: ends.dst, peer: ends.src, sysctls: profile.sysctls });
      const segs: Decoded[] = [];
      for (let i = 0; segs.length < n; i++) {
        const p = probeAt(c, i);
        if (p.ip !== ip || p.profile !== profile.name) continue;
        segs.push(decodeIp(buildIp(probePacketSpec(p, p.mutated, bindingsFor(p), ends))));
      }
      out.push({ name: `campaign mix, ${profile.name}, IPv${ip}`, env, state: listening(env, c.listen!.port, c.listen!.backlog), segs });
    }
  }
  return out;
}
