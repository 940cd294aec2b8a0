// The judge's fast path (lib/match/fast-judge.ts) against the full judge, on random inputs: the
// model's real predictions for generated listener probes under the campaign profiles, answered by
// frames built to agree with them, then damaged at random (bytes flipped, frames dropped, added,
// cut short, options appended). The property: whenever the fast path says "they agree", the full
// judge (decode, PacketJson, bind) says ok too — and on undamaged answers the fast path does not
// give up, so it really is the path taken.
import { expect } from 'chai';
import { parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { probeAt } from '../../../lib/fuzz/generate';
import { Prng } from '../../../lib/util/prng';
import { bindingsFor, probePacketSpec } from '../../../lib/fuzz/probe';
import { framesAgree } from '../../../lib/match/fast-judge';
import { judge } from '../../../lib/match/judge';
import { apply, initialState, makeEnv } from '../../../lib/model';
import type { FieldExpect, ModelEnv, ModelState, Prediction } from '../../../lib/model';
import type { Num } from '../../../lib/model/core/symbols';
import { buildFrame, buildIp, PacketSpec } from '../../../lib/wire/build';
import { decodeEthernet, decodeIp } from '../../../lib/wire/decode';
import { parseFlags } from '../../../lib/wire/flags';
import { toPacketJson } from '../../../lib/wire/summary';
import { optionFromJson } from '../../../lib/wire/tcp-option-json';
import type { JsonNum, OptionJson, PacketJson } from '../../../lib/wire/types';

const CAMPAIGN = parseCampaignText(
  `
name: fast-judge
seed: 99
budget: { probes: 100000 }
target: listener
ip: both
profiles:
  - name: a
listen: { port: 8080 }
generator:
  kinds: { syn: 55, syn_opts: 20, ack: 5, cookie_ack: 5, rst: 4, fin: 4, no_flags: 2, data: 2, flags: 3 }
  options: { malformed: 0.25 }
  payload: { p: 0.08, max: 32 }
  tos: { p: 0.3 }
`,
  'fast-judge.yaml',
);

const PROFILES: Array<Record<string, number>> = [
  {},
  { 'net.ipv4.tcp_syncookies': 2 },
  { 'net.ipv4.tcp_timestamps': 0, 'net.ipv4.tcp_sack': 0 },
  { 'net.ipv4.tcp_window_scaling': 0, 'net.ipv4.tcp_ecn': 1, 'net.ipv4.tcp_reflect_tos': 1 },
];
const A = { 4: { dut: '198.18.0.1', peer: '198.18.0.2' }, 6: { dut: '2001:2::1', peer: '2001:2::2' } };
const DUT_MAC = '02:00:00:00:00:01';
const PEER_MAC = '02:00:00:00:00:02';

/** A value the expectation accepts, binding symbols as the judge would. */
function satisfy(e: FieldExpect, b: Record<string, number>, rng: Prng): number | undefined {
  const num = (n: Num): number | undefined => (typeof n === 'number' ? n : b[n.sym] === undefined ? undefined : (b[n.sym] + (n.rel ?? 0)) >>> 0);
  if (typeof e === 'number') return e;
  if ('sym' in e) {
    const v = num(e);
    if (v !== undefined) return v;
    const x = rng.u32();
    b[e.sym] = (x - (e.rel ?? 0)) >>> 0;
    return x;
  }
  if ('even' in e) {
    const [lo, hi] = e.range ?? [0, 0xfffffffe];
    return (lo + 2 * rng.int(0, Math.floor((hi - lo) / 2))) >>> 0;
  }
  if ('range' in e) {
    const v = rng.int(e.range[0], e.range[1]);
    if (e.bindAs !== undefined && b[e.bindAs] === undefined) b[e.bindAs] = v;
    return v;
  }
  if ('low6' in e) return ((rng.u32() & ~63) | e.low6) >>> 0;
  if ('tsval' in e) {
    const t = e.tsval;
    let off = num(t.off);
    if (off === undefined) {
      off = rng.u32();
      if (typeof t.off !== 'number') b[t.off.sym] = off;
    }
    let raw = t.approxMs >>> 0;
    if (t.low6 !== undefined) for (let d = -t.tolMs; d <= t.tolMs; d++) if ((((t.approxMs >>> 0) + d) & 63) === t.low6) raw = ((t.approxMs >>> 0) + d) >>> 0;
    const v = (raw + off) >>> 0;
    if (t.bindAs !== undefined && b[t.bindAs] === undefined) b[t.bindAs] = v;
    return v;
  }
  return undefined;
}

/** A frame that agrees with the prediction ('*' fields filled in to satisfy their expectations). */
function answer(p: Prediction, ip: 4 | 6, b: Record<string, number>, rng: Prng): Uint8Array | undefined {
  const val = (field: string, v: JsonNum | string | boolean): number | undefined => {
    if (v !== '*') return v as number;
    const e = p.expect[field];
    return e === undefined ? rng.u32() & 0xffff : satisfy(e, b, rng);
  };
  const pi = p.packet.ip as unknown as Record<string, JsonNum | boolean>;
  const t = p.packet.tcp;
  const options = [];
  for (let i = 0; i < t.options.length; i++) {
    const o = t.options[i];
    const filled = o.map((x, j) =>
      j === 0 || x !== '*' ? x : val(o[0] === 'ts' ? (j === 1 ? 'opt.ts.val' : 'opt.ts.ecr') : `opt.${o[0]}.${i}`, x),
    ) as OptionJson;
    if (filled.some((x) => x === undefined)) return undefined;
    options.push(optionFromJson(filled));
  }
  const num = (f: string, v: JsonNum): number => {
    const x = val(f, v);
    if (x === undefined) throw new Error(`cannot satisfy ${f}`);
    return x;
  };
  const a = A[ip];
  const spec: PacketSpec =
    ip === 4
      ? {
          ip,
          src: a.dut,
          dst: a.peer,
          ttl: num('ip.ttl', pi.ttl as JsonNum),
          tos: num('ip.tos', pi.tos as JsonNum),
          id: num('ip.id', pi.id as JsonNum) & 0xffff,
          df: pi.df as boolean,
          sport: 0,
          dport: 0,
        }
      : {
          ip,
          src: a.dut,
          dst: a.peer,
          hlim: num('ip.hlim', pi.hlim as JsonNum),
          tclass: num('ip.tclass', pi.tclass as JsonNum),
          flow: num('ip.flow', pi.flow as JsonNum) & 0xfffff,
          sport: 0,
          dport: 0,
        };
  spec.sport = num('tcp.sport', t.sport);
  spec.dport = num('tcp.dport', t.dport);
  spec.seq = num('tcp.seq', t.seq);
  spec.ack = num('tcp.ack', t.ack);
  spec.flags = parseFlags(t.flags);
  spec.window = num('tcp.window', t.window) & 0xffff;
  spec.urg = t.urg;
  spec.options = options;
  spec.payload = new Uint8Array(t.len ?? 0);
  return buildFrame(spec, DUT_MAC, PEER_MAC);
}

function pack(frames: Uint8Array[]): { buf: Uint8Array; offs: Uint32Array } {
  const offs = new Uint32Array(frames.length + 1);
  let n = 0;
  frames.forEach((f, i) => {
    offs[i] = n;
    n += f.length;
  });
  offs[frames.length] = n;
  const buf = new Uint8Array(n);
  frames.forEach((f, i) => buf.set(f, offs[i]));
  return { buf, offs };
}

const BAD: PacketJson = {
  ip: { ttl: -1, tos: -1, df: false, id: -1 },
  tcp: { sport: -1, dport: -1, seq: -1, ack: -1, flags: '?', window: -1, urg: -1, options: [] },
};

function fullOk(preds: readonly Prediction[], state: ModelState, frames: Uint8Array[]): boolean {
  return judge(
    preds,
    frames.map((f) => toPacketJson(decodeEthernet(f)) ?? BAD),
    state,
  ).ok;
}

describe('fast judge agrees with the full judge', function () {
  this.timeout(120000);
  const envs: Array<{ env: ModelEnv; base: ModelState; ip: 4 | 6 }> = [];
  for (const sysctls of PROFILES) {
    for (const ip of [4, 6] as const) {
      const env = makeEnv({ release: '6.18', ip, dut: A[ip].dut, peer: A[ip].peer, sysctls });
      envs.push({ env, ip, base: apply(env, initialState(env), { type: 'listen', port: 8080, backlog: 4096 }, 0).state });
    }
  }

  it('never says "agree" where the full judge finds a difference (random answers, random damage)', () => {
    const rng = new Prng(7);
    let exact = 0;
    let exactFast = 0;
    let damaged = 0;
    let damagedOk = 0;
    for (let i = 0; i < 6000; i++) {
      const probe = probeAt(CAMPAIGN, i);
      const e = envs[((i >> 1) % PROFILES.length) * 2 + (probe.ip === 4 ? 0 : 1)];
      const bytes = buildIp(probePacketSpec(probe, probe.mutated, bindingsFor(probe), { src: A[probe.ip].peer, dst: A[probe.ip].dut, dport: 8080 }));
      const now = 1_000_000 + i * 7.25;
      const step = apply(e.env, e.base, { type: 'segment', seg: decodeIp(bytes) }, now);
      const b: Record<string, number> = { ...step.state.bindings };
      const frames: Uint8Array[] = [];
      let ok = true;
      for (const p of step.responses) {
        const f = answer(p, e.ip, b, rng);
        if (!f) ok = false;
        else frames.push(f);
      }
      if (!ok) continue;
      const variants: Uint8Array[][] = [frames];
      // damage: flipped bytes, a frame dropped, one added, one cut short, options appended
      for (let v = 0; v < 4; v++) {
        const copy: Uint8Array[] = frames.map((f) => f.slice());
        if (copy.length && v < 3) {
          const f = copy[rng.int(0, copy.length - 1)];
          for (let k = rng.int(1, 3); k > 0; k--) f[rng.int(14, f.length - 1)] ^= 1 << rng.int(0, 7);
        }
        if (v === 3) {
          if (copy.length && rng.chance(0.5)) copy.pop();
          else
            copy.push(
              frames.length
                ? frames[0].slice()
                : buildFrame({ ip: e.ip, src: A[e.ip].dut, dst: A[e.ip].peer, sport: 8080, dport: probe.sport, flags: 'RA' }, DUT_MAC, PEER_MAC),
            );
        }
        variants.push(copy);
      }
      if (frames.length) {
        const f = frames[0];
        const grown = new Uint8Array(f.length + 4);
        grown.set(f);
        grown.set([1, 1, 3, 3].slice(0, 4), f.length); // bytes past the IP length, or odd trailing options
        variants.push([grown, ...frames.slice(1)]);
        variants.push([f.subarray(0, Math.max(14, f.length - rng.int(1, 12))), ...frames.slice(1)]);
        // payload the prediction did not announce (the IP length says so)
        const extra = rng.int(1, 3);
        const longer = new Uint8Array(f.length + extra);
        longer.set(f);
        const lenAt = e.ip === 4 ? 16 : 18;
        const l = ((f[lenAt] << 8) | f[lenAt + 1]) + extra;
        longer[lenAt] = l >> 8;
        longer[lenAt + 1] = l & 0xff;
        variants.push([longer, ...frames.slice(1)]);
      }
      variants.forEach((fs, vi) => {
        const { buf, offs } = pack(fs);
        const fast = framesAgree(step.responses, buf, offs, 0, fs.length, step.state.bindings);
        const full = fullOk(step.responses, step.state, fs);
        if (fast) expect(full, `probe ${i} variant ${vi}: fast path said agree, full judge did not`).to.equal(true);
        if (vi === 0) {
          exact++;
          if (full && fast) exactFast++;
          expect(full, `probe ${i}: the answer built to agree does not (test generator)`).to.equal(true);
        } else {
          damaged++;
          if (full) damagedOk++;
        }
      });
    }
    expect(exact).to.be.greaterThan(4000);
    // The fast path covers what the kernel sends (TFO and MD5 options go the full way).
    expect(exactFast / exact, `fast path taken for ${exactFast} of ${exact} agreeing answers`).to.be.greaterThan(0.97);
    // Damage mostly shows (some flips land in fields nobody compares: checksums, padding).
    expect(damagedOk / damaged).to.be.lessThan(0.5);
  });

  it('EOL: zero padding after it is not an option, anything else is', () => {
    const env = envs[0].env;
    const pred: Prediction = {
      packet: {
        ip: { ttl: 64, tos: 0, df: true, id: 0 },
        tcp: { sport: 8080, dport: 40000, seq: 1, ack: 2, flags: 'SA', window: 100, urg: 0, options: [['mss', 1460], ['eol']] },
      },
      expect: {},
      reason: apply(env, envs[0].base, { type: 'tick' }, 1).reasons[0],
      atMs: 0,
    };
    const frame = (tail: number[]): Uint8Array => {
      const opts = [2, 4, 0x05, 0xb4, 0, ...tail];
      return buildFrame(
        {
          ip: 4,
          src: A[4].dut,
          dst: A[4].peer,
          ttl: 64,
          sport: 8080,
          dport: 40000,
          seq: 1,
          ack: 2,
          flags: 'SA',
          window: 100,
          options: [{ kind: 'bytes', bytes: Uint8Array.from(opts) }],
        },
        DUT_MAC,
        PEER_MAC,
      );
    };
    for (const [tail, agree] of [
      [[0, 0, 0], true],
      [[0, 7, 0], false],
      [[1, 1, 1], false],
    ] as const) {
      const f = frame([...tail]);
      const { buf, offs } = pack([f]);
      expect(fullOk([pred], envs[0].base, [f]), `full judge, tail ${tail}`).to.equal(agree);
      expect(framesAgree([pred], buf, offs, 0, 1, {}), `fast path, tail ${tail}`).to.equal(agree);
    }
  });
});
