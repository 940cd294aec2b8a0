// Planning the batched sequence engine (lib/fuzz/batch-plan.ts): which probes may share a batch, the
// rounds a probe plays, the batch size that keeps a listener's flows independent, and the per-flow
// split of a round's replies; and judging a played flow (lib/fuzz/sequence-judge.ts): what it hands
// back to be played alone.
import { expect } from 'chai';
import { parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { batchLimit, fitsBatch, notBatchable, probeFlowKey, QUIET_MS, roundsOf, splitReplies } from '../../../lib/fuzz/batch-plan';
import { probeAt } from '../../../lib/fuzz/generate';
import { bindingsFor, probePacketSpec, type Probe } from '../../../lib/fuzz/probe';
import { buildIp } from '../../../lib/wire/build';
import * as model from '../../../lib/model';
import type { Prediction, StepResult } from '../../../lib/model';
import type { ModelApiLike } from '../../../lib/fuzz/model-run';
import { DEFER_MARGIN_MS, judgeFlow, playedFlow } from '../../../lib/fuzz/sequence-judge';

const campaign = (target: string, extra = ''): string => `name: batch-test
seed: 5
budget: { probes: 1000 }
target: ${target}
${target === 'synsent' ? 'connect: { port: 9000 }' : 'listen: { port: 8080, backlog: 128 }'}
${extra}`;

const LIMITS = { maxBacklog: 128, tcp_syncookies: 1, tcp_max_syn_backlog: 2048, tcp_challenge_ack_limit: 2 ** 31 - 1 };

describe('batched sequence engine: planning', () => {
  it('request probes: SYN (its SYN-ACK captured and bound), then the mutated packet', () => {
    const c = parseCampaignText(campaign('request'), 'c.yaml');
    for (let i = 0; i < 50; i++) {
      const p = probeAt(c, i);
      expect(notBatchable(p)).to.equal(undefined);
      const r = roundsOf(p);
      expect(r.map((x) => x.what)).to.deep.equal(['syn', 'mutated']);
      expect(r[0].capture?.what).to.equal('synack');
      expect(r[0].capture?.bind).to.include('dutIsn');
      expect(r.map((x) => x.last)).to.deep.equal([false, true]);
      expect(r[1].packet).to.equal(p.mutated);
    }
  });

  it('established via passive: SYN, ACK, mutated; the ACK captures nothing', () => {
    const c = parseCampaignText(campaign('established', 'generator:\n  via: passive\n'), 'c.yaml');
    const r = roundsOf(probeAt(c, 3));
    expect(r.map((x) => x.what)).to.deep.equal(['syn', 'ack', 'mutated']);
    expect(r[1].capture).to.equal(undefined);
  });

  it('refuses probes with connect() or close() in the setup, or with calls, saying why', () => {
    const active = parseCampaignText(campaign('synsent'), 'c.yaml');
    expect(notBatchable(probeAt(active, 0))).to.match(/connect\(\) call/);
    expect(() => roundsOf(probeAt(active, 0))).to.throw(/cannot be batched: its setup has a connect\(\) call/);
    const tw = parseCampaignText(campaign('timewait'), 'c.yaml');
    expect(notBatchable(probeAt(tw, 0))).to.match(/close\(\) call/);
    const req = parseCampaignText(campaign('request'), 'c.yaml');
    const p: Probe = { ...probeAt(req, 1), after: ['again', 'close'] };
    expect(notBatchable(p)).to.equal('it carries socket calls or waits (again, close)');
    expect(notBatchable({ ...p, after: ['wait'] })).to.match(/socket calls or waits \(wait\)/);
    expect(notBatchable({ ...p, before: ['defer-accept'], after: [] })).to.match(/defer-accept/);
    // an ICMP error in place of the segment (mistakes.icmp) is batched when it reaches its own flow only;
    // one that lowers the path MTU, quotes another port, or is no error (an echo) is played alone
    const quote = { flags: 0x12, seq: { base: 'dut.isn' as const, offset: 0 }, len: 0 };
    const withIcmp = (icmp: NonNullable<Probe['mutated']['icmp']>, ip: 4 | 6 = 4): Probe => ({
      ...probeAt(req, 1),
      ip,
      mutated: { ...probeAt(req, 1).mutated, icmp },
    });
    expect(notBatchable(withIcmp({ type: 3, code: 1, quote }))).to.equal(undefined);
    expect(notBatchable(withIcmp({ type: 1, code: 4, quote }, 6))).to.equal(undefined);
    expect(notBatchable(withIcmp({ type: 3, code: 4, mtu: 1000, quote }))).to.match(/lowers the path MTU/);
    expect(notBatchable(withIcmp({ type: 2, code: 0, mtu: 1280, quote }, 6))).to.match(/lowers the path MTU/);
    expect(notBatchable(withIcmp({ type: 3, code: 3, quote: { ...quote, otherPort: true } }))).to.match(/next peer port/);
    expect(notBatchable(withIcmp({ type: 8, code: 0, quote }))).to.match(/no error/);
    expect(notBatchable(withIcmp({ type: 128, code: 0, quote }, 6))).to.match(/no error/);
    const l = parseCampaignText(campaign('listener'), 'c.yaml');
    expect(notBatchable(probeAt(l, 0))).to.match(/listener engine/);
  });

  it('again calls: the mutated packet once more per call, as more rounds; the last round is the last again', () => {
    const c = parseCampaignText(campaign('request'), 'c.yaml');
    const p: Probe = { ...probeAt(c, 2), after: ['again', 'again'] };
    expect(notBatchable(p)).to.equal(undefined);
    const r = roundsOf(p);
    expect(r.map((x) => x.what)).to.deep.equal(['syn', 'mutated', 'again', 'again']);
    expect(r.map((x) => x.last)).to.deep.equal([false, false, false, true]);
    expect(r[2].packet).to.equal(p.mutated);
  });

  it('a capture with no send before it is a malformed probe', () => {
    const c = parseCampaignText(campaign('request'), 'c.yaml');
    const p = probeAt(c, 0);
    const bad: Probe = { ...p, setup: [p.setup.find((s) => s.kind === 'capture')!, ...p.setup] };
    expect(() => roundsOf(bad)).to.throw(/a capture step \(synack\) follows no send/);
  });

  it('batch size: the wanted size under the backlog and the SYN-drop threshold; 1 with a finite challenge-ACK limit', () => {
    expect(batchLimit(LIMITS, 64)).to.deep.equal({ size: 64 });
    expect(batchLimit(LIMITS, 500)).to.deep.equal({ size: 128, why: "the listener's backlog 128" });
    // tcp_syncookies=0: dropped once max − qlen < max/4, i.e. past 96 request sockets for max 128
    const b = batchLimit({ ...LIMITS, tcp_syncookies: 0, tcp_max_syn_backlog: 128 }, 500);
    expect(b.size).to.equal(96);
    expect(b.why).to.match(/tcp_syncookies=0 drops SYNs past 96/);
    // always-cookie mode: no request sockets, only the accept queue's bound
    expect(batchLimit({ ...LIMITS, tcp_syncookies: 2, tcp_max_syn_backlog: 16 }, 500).size).to.equal(128);
    const r = batchLimit({ ...LIMITS, tcp_challenge_ack_limit: 1000 }, 64);
    expect(r.size).to.equal(1);
    expect(r.why).to.match(/tcp_challenge_ack_limit 1000/);
    expect(batchLimit({ ...LIMITS, maxBacklog: 0 }, 64).size).to.equal(1);
  });

  it('a batch takes distinct flows up to its size; IPv4 and IPv6 on the same port are distinct flows', () => {
    const keys = new Set<number>();
    const add = (p: { ip: 4 | 6; sport: number }): boolean => {
      if (!fitsBatch(p, keys, 3)) return false;
      keys.add(probeFlowKey(p));
      return true;
    };
    expect(add({ ip: 4, sport: 10000 })).to.equal(true);
    expect(add({ ip: 6, sport: 10000 })).to.equal(true);
    expect(add({ ip: 4, sport: 10000 })).to.equal(false);
    expect(add({ ip: 4, sport: 10001 })).to.equal(true);
    expect(add({ ip: 4, sport: 10002 })).to.equal(false); // full
  });

  it('campaign probes of one chunk have distinct flows (ports cycle by index)', () => {
    const c = parseCampaignText(campaign('request', 'ip: both\n'), 'c.yaml');
    const keys = new Set<number>();
    for (let i = 0; i < 4096; i++) {
      const p = probeAt(c, i);
      expect(fitsBatch(p, keys, 4096)).to.equal(true);
      keys.add(probeFlowKey(p));
    }
  });

  it('splits replies per flow in arrival order, and refuses an assignment outside the round', () => {
    expect(splitReplies(3, ['a', 'b', 'c', 'd'], [2, 0, 2, 0])).to.deep.equal([['b', 'd'], [], ['a', 'c']]);
    expect(splitReplies(2, [], [])).to.deep.equal([[], []]);
    expect(() => splitReplies(2, ['x'], [2])).to.throw(/outside the round's 2/);
  });
});

describe('batched sequence engine: judging a played flow (judgeFlow)', () => {
  const c = parseCampaignText(campaign('request'), 'c.yaml');
  const probe = probeAt(c, 4);
  const env = model.makeEnv({ release: '6.18', ip: probe.ip, dut: '198.18.0.1', peer: '198.18.0.2' });
  const base = model.apply(env, model.initialState(env), { type: 'listen', port: 8080, backlog: 128 }, 0).state;
  const bytes = new Uint8Array([0x45]);
  /** A model standing in for the real one that answers every packet with `at` (ms after it). */
  const answering = (...at: number[]): ModelApiLike => ({
    makeEnv: model.makeEnv,
    initialState: model.initialState,
    apply: (_e, st, _ev, now) =>
      ({
        state: st,
        reasons: [],
        timers: [],
        counters: {},
        responses: at.map((d) => ({ atMs: now + d, reason: { rule: 'x.rule', fn: 'fn', text: '' } }) as unknown as Prediction),
      }) as StepResult,
  });

  it('a judged answer the model puts after the packet (the next tick): played alone, as deferred', () => {
    const f = { ...playedFlow(probe), rounds: [{ bytes, t: 100, tEnd: 101, frames: [] }] };
    const o = judgeFlow(answering(2), env, base, f);
    expect(o).to.include({ why: 'deferred' });
    expect((o as { alone: string }).alone).to.match(/^syn: the model predicts a judged answer 2\.0 ms after the packet \(x\.rule\)/);
  });

  it("the next tick's answer in a round whose sentinel waited (quietMs): judged there, not deferred", () => {
    /** The true model with every answer put `d` ms later. */
    const shifted = (d: number): ModelApiLike => ({
      ...model,
      apply: (e, st, ev, now) => {
        const r = model.apply(e, st, ev, now);
        return { ...r, responses: r.responses.map((p) => ({ ...p, atMs: p.atMs + d })) };
      },
    });
    const syn = probe.setup[0].kind === 'send' ? probe.setup[0].packet : probe.mutated;
    const ends = { src: '198.18.0.2', dst: '198.18.0.1', dport: 8080 };
    const round = { bytes: buildIp(probePacketSpec(probe, syn, bindingsFor(probe, {}), ends)), t: 100, tEnd: 116, frames: [] };
    // (the SYN-ACK the model puts on the next tick, which this round did not capture: judged — a divergence, not 'alone')
    expect(judgeFlow(shifted(4), env, base, { ...playedFlow(probe), rounds: [{ ...round, quietMs: QUIET_MS }] })).to.have.property('judgement');
    expect(judgeFlow(shifted(4), env, base, { ...playedFlow(probe), rounds: [round] })).to.include({ why: 'deferred' });
    expect(QUIET_MS - DEFER_MARGIN_MS).to.be.greaterThan(4);
  });

  it('a later answer that may have come before the sentinel: played alone, as late; one well after it is not judged', () => {
    const late = { ...playedFlow(probe), rounds: [{ bytes, t: 100, tEnd: 140, frames: [] }] };
    expect(judgeFlow(answering(40), env, base, late)).to.include({ why: 'late' });
    const slow = { ...playedFlow(probe), rounds: [{ bytes, t: 100, tEnd: 101, frames: [] }], stopped: { why: 'slow' as const, text: 'too slow', retry: true } };
    // (an answer 1 s later is neither judged nor late: the SYN round agrees, and the flow ends where it stopped)
    expect(judgeFlow(answering(1000), env, base, slow)).to.deep.equal({ alone: 'too slow', why: 'slow', retry: true });
  });

  it('a flow stopped before its last packet: played alone for the reason the engine gave (retry kept)', () => {
    const f = { ...playedFlow(probe), stopped: { why: 'slow' as const, text: 'syn: 12.0 ms from the packet to the sentinel', retry: true } };
    expect(judgeFlow(answering(), env, base, f)).to.deep.equal({ alone: 'syn: 12.0 ms from the packet to the sentinel', why: 'slow', retry: true });
    expect(judgeFlow(answering(), env, base, playedFlow(probe))).to.include({ why: 'unbound' });
  });
});
