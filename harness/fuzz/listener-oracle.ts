// Judging one single-packet probe at a fresh listener: the model's prediction for that packet, against
// the frames the kernel sent on the probe's flow.
import { judge, Verdict } from '../../lib/match/judge';
import type { ModelEnv, ModelState } from '../../lib/model';
import { decodeEthernet, decodeIp } from '../../lib/wire/decode';
import { toPacketJson } from '../../lib/wire/summary';
import type { PacketJson } from '../../lib/wire/types';
import type { CapturedFrame } from '../capture/capture';
import type { ModelApi } from './model-api';

export interface ListenerJudgement {
  verdict: Verdict;
  observed: PacketJson[];
  predicted: PacketJson[];
  /** The model's reasons as 'fn: text' (formatted on first read: most probes never need them). */
  readonly reasons: string[];
  rules: string[];
}

export class ListenerOracle {
  constructor(private readonly api: ModelApi, readonly env: ModelEnv, readonly base: ModelState) {}

  static forListener(api: ModelApi, env: ModelEnv, port: number, backlog: number): ListenerOracle {
    return new ListenerOracle(api, env, api.apply(env, api.initialState(env), { type: 'listen', port, backlog }, 0).state);
  }

  judge(probeIp: Uint8Array, replies: readonly CapturedFrame[], sentNs: bigint): ListenerJudgement {
    const step = this.api.apply(this.env, this.base, { type: 'segment', seg: decodeIp(probeIp) }, Number(sentNs) / 1e6);
    const observed = replies.map((f) => toPacketJson(decodeEthernet(f.bytes)) ?? { ip: { ttl: -1, tos: -1, df: false, id: -1 }, tcp: { sport: -1, dport: -1, seq: -1, ack: -1, flags: '?', window: -1, urg: -1, options: [] } });
    const verdict = judge(step.responses, observed, step.state, step.reasons);
    const rules = new Array<string>(step.reasons.length);
    for (let i = 0; i < rules.length; i++) rules[i] = step.reasons[i].rule;
    let reasons: string[] | undefined;
    return {
      verdict,
      observed,
      predicted: step.responses.map((p) => p.packet),
      get reasons() {
        return (reasons ??= step.reasons.map((r) => `${r.fn}: ${r.text}`));
      },
      rules,
    };
  }
}
