// Judging one single-packet probe at a fresh listener: the model's prediction for that packet, against
// the frames the kernel sent on the probe's flow.
import { framesAgree } from '../../lib/match/fast-judge';
import { judge, Verdict } from '../../lib/match/judge';
import type { ModelEnv, ModelState, StepResult } from '../../lib/model';
import type { SockOpts } from '../../lib/model/core/sockopts';
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
  constructor(
    private readonly api: ModelApi,
    readonly env: ModelEnv,
    readonly base: ModelState,
  ) {}

  static forListener(api: ModelApi, env: ModelEnv, port: number, backlog: number, opts?: SockOpts): ListenerOracle {
    return new ListenerOracle(api, env, api.apply(env, api.initialState(env), { type: 'listen', port, backlog, ...(opts ? { opts } : {}) }, 0).state);
  }

  judge(probeIp: Uint8Array, replies: readonly CapturedFrame[], sentNs: bigint): ListenerJudgement {
    const step = this.api.apply(this.env, this.base, { type: 'segment', seg: decodeIp(probeIp) }, Number(sentNs) / 1e6);
    return this.verdictOf(
      step,
      replies.map((f) => f.bytes),
    );
  }

  /**
   * The bulk form: the probe's replies are frames first .. first+count-1 of a packed buffer (frame j
   * is buf[offs[j] .. offs[j+1]), Ethernet on). The fast comparison reads them in place; only when it
   * cannot prove agreement are they decoded and judged in full. Returns undefined when they agree,
   * else the full judgement (whose verdict then normally is a divergence). The model's rules go
   * into `rules`, and in order into `path` when given.
   */
  judgePacked(
    probeIp: Uint8Array,
    buf: Uint8Array,
    offs: Uint32Array,
    first: number,
    count: number,
    sentMs: number,
    rules: Set<string>,
    path?: string[],
  ): ListenerJudgement | undefined {
    const step = this.api.apply(this.env, this.base, { type: 'segment', seg: decodeIp(probeIp) }, sentMs);
    for (let i = 0; i < step.reasons.length; i++) rules.add(step.reasons[i].rule);
    if (path) for (let i = 0; i < step.reasons.length; i++) if (!path.includes(step.reasons[i].rule)) path.push(step.reasons[i].rule);
    if (framesAgree(step.responses, buf, offs, first, count, step.state.bindings)) return undefined;
    const frames: Uint8Array[] = [];
    for (let j = first; j < first + count; j++) frames.push(buf.subarray(offs[j], offs[j + 1]));
    return this.verdictOf(step, frames);
  }

  private verdictOf(step: StepResult, frames: readonly Uint8Array[]): ListenerJudgement {
    const observed = frames.map(
      (f) =>
        toPacketJson(decodeEthernet(f)) ?? {
          ip: { ttl: -1, tos: -1, df: false, id: -1 },
          tcp: { sport: -1, dport: -1, seq: -1, ack: -1, flags: '?', window: -1, urg: -1, options: [] },
        },
    );
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
