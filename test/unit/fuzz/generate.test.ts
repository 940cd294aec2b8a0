// Probe generation: random-access determinism, and that each target's generator produces what it
// claims over 10k probes (every flag, malformed options, seq/ack edge offsets −1/0/+1, TSecr
// inside/outside the DUT's TSvals, old TSvals), and that every probe builds into a packet.
import { expect } from 'chai';
import { join } from 'path';
import { loadCampaignFile, parseCampaignText } from '../../../lib/fuzz/campaign-load';
import type { Campaign } from '../../../lib/fuzz/campaign';
import { KINDS } from '../../../lib/fuzz/campaign';
import { GENERATORS, probeAt, probeSeed } from '../../../lib/fuzz/generate';
import { Prng } from '../../../lib/util/prng';
import type { Probe, ProbePacket, SeqRef, Target, TsRef } from '../../../lib/fuzz/probe';
import { bindingsFor, packetKey, probeFromJson, probePacketSpec, probeToJson, type ProbeBindings } from '../../../lib/fuzz/probe';
import { buildIp } from '../../../lib/wire/build';
import { withKnownCookieBits } from '../../../lib/fuzz/gen-request';
import { decodeIp } from '../../../lib/wire/decode';
import { ACK, AE, CWR, ECE, FIN, PSH, RST, SYN, URG } from '../../../lib/wire/types';

const DIR = join(__dirname, '../../../cases/campaigns');
const EXAMPLES: Record<Target, string> = {
  listener: 'listener-syn-flood-mix.yaml',
  request: 'request-third-packet.yaml',
  synsent: 'synsent-synack.yaml',
  established: 'established-stray.yaml',
  timewait: 'timewait.yaml',
};
const N = 10_000;

function campaign(t: Target): Campaign {
  return loadCampaignFile(join(DIR, EXAMPLES[t]));
}

function probes(c: Campaign, n = N): Probe[] {
  const out: Probe[] = [];
  for (let i = 0; i < n; i++) out.push(probeAt(c, i));
  return out;
}

/** Offsets of refs with this base (and window flag) seen among the probes. */
function offsets(ps: Probe[], get: (p: ProbePacket) => SeqRef, base: SeqRef['base'], win = false): Set<number> {
  const s = new Set<number>();
  for (const p of ps) {
    const r = get(p.mutated);
    if (r.base === base && !!r.win === win) s.add(r.offset);
  }
  return s;
}

function isMalformed(p: ProbePacket): boolean {
  return p.options.some(
    (o) =>
      o.kind === 'bytes' ||
      (o.kind === 'unknown' && [2, 3, 4, 5, 8, 19, 29, 30, 172, 174, 253, 254].includes(o.type)) ||
      (o.kind === 'tfo' && (o.cookie.length % 2 === 1 || o.cookie.length > 16 || (o.cookie.length > 0 && o.cookie.length < 4))),
  );
}

describe('fuzz generation: determinism', () => {
  const c = campaign('request');

  it('probeAt(c, i) is equal across calls and independent of call order', () => {
    const forward = probes(c, 500).map((p) => JSON.stringify(probeToJson(p)));
    const order = Array.from({ length: 500 }, (_, i) => i);
    const rng = new Prng(99);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const i of order) expect(JSON.stringify(probeToJson(probeAt(c, i)))).to.equal(forward[i]);
    // a far index does not depend on anything before it
    expect(JSON.stringify(probeToJson(probeAt(c, 123_456_789)))).to.equal(JSON.stringify(probeToJson(probeAt(c, 123_456_789))));
  });

  it('a campaign loaded twice gives the same probes', () => {
    const c2 = campaign('request');
    for (const i of [0, 1, 77, 9999, 2 ** 40]) expect(packetKey(probeAt(c2, i).mutated)).to.equal(packetKey(probeAt(c, i).mutated));
  });

  it('different seeds give different sequences', () => {
    const other: Campaign = { ...c, seed: c.seed + 1 };
    let same = 0;
    for (let i = 0; i < 200; i++)
      if (packetKey(probeAt(c, i).mutated) === packetKey(probeAt(other, i).mutated) && probeAt(c, i).peerIsn === probeAt(other, i).peerIsn) same++;
    expect(same).to.equal(0);
  });

  it('per-probe seeds do not collide for a fixed campaign seed', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) seen.add(probeSeed(42, i));
    expect(seen.size).to.equal(200_000);
  });

  it('profiles rotate in blocks of rotate_every, IP versions alternate, ports cycle', () => {
    const l = campaign('listener');
    expect(probeAt(l, 0).profile).to.equal('defaults');
    expect(probeAt(l, l.rotateEvery - 1).profile).to.equal('defaults');
    expect(probeAt(l, l.rotateEvery).profile).to.equal('syncookies-always');
    expect(probeAt(l, 4 * l.rotateEvery).profile).to.equal('defaults');
    expect([0, 1, 2, 3].map((i) => probeAt(l, i).ip)).to.deep.equal([4, 6, 4, 6]);
    expect(probeAt(l, 0).sport).to.equal(10000);
    expect(probeAt(l, 50000).sport).to.equal(10000);
    expect(probeAt(l, 7).sport).to.equal(10007);
  });

  it('the generator functions are pure (rng, cfg, index) → packet', () => {
    for (const t of Object.keys(GENERATORS) as Target[]) {
      const cfg = campaign(t).generator;
      const a = GENERATORS[t](new Prng(5), cfg, 0);
      const b = GENERATORS[t](new Prng(5), cfg, 0);
      expect(packetKey(a)).to.equal(packetKey(b));
    }
  });

  it('probes survive a JSON round trip exactly', () => {
    for (const t of Object.keys(EXAMPLES) as Target[]) {
      const ps = probes(campaign(t), 200);
      for (const p of ps) expect(packetKey(probeFromJson(JSON.parse(JSON.stringify(probeToJson(p)))).mutated)).to.equal(packetKey(p.mutated));
    }
  });
});

describe('fuzz generation: coverage over 10k probes', function () {
  this.timeout(60_000);
  const all: Record<Target, Probe[]> = {
    listener: probes(campaign('listener')),
    request: probes(campaign('request')),
    synsent: probes(campaign('synsent')),
    established: probes(campaign('established')),
    timewait: probes(campaign('timewait')),
  };
  const seqOf = (p: ProbePacket) => p.seq;
  const ackOf = (p: ProbePacket) => p.ack;

  for (const t of Object.keys(all) as Target[]) {
    it(`${t}: every packet class, every flag, reserved bits, malformed options`, () => {
      const ps = all[t];
      const kinds = new Set(ps.map((p) => p.kind));
      const configured = Object.entries(campaign(t).generator.kinds)
        .filter(([, w]) => w > 0)
        .map(([k]) => k);
      expect([...kinds].sort()).to.deep.equal(configured.sort());
      for (const k of kinds) expect(KINDS[t]).to.have.property(k);
      for (const f of [FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE]) {
        expect(ps.filter((p) => p.mutated.flags & f).length, `flag 0x${f.toString(16)}`).to.be.greaterThan(20);
      }
      expect(ps.some((p) => p.mutated.mistakes.reservedBits)).to.equal(true);
      expect(ps.filter((p) => isMalformed(p.mutated)).length).to.be.greaterThan(N / 100);
    });
  }

  it('listener: SYNs from randomSyn and from the campaign ranges, both IP versions, all four profiles', () => {
    const ps = all.listener;
    const syn = ps.filter((p) => p.kind === 'syn' || p.kind === 'syn_opts');
    expect(syn.length).to.be.greaterThan(N / 2);
    expect(syn.every((p) => p.mutated.flags & SYN)).to.equal(true);
    const wsInvalid = syn.filter((p) => p.mutated.options.some((o) => o.kind === 'wscale' && o.shift > 14));
    expect(wsInvalid.length).to.be.greaterThan(50);
    const mssValues = new Set(syn.flatMap((p) => p.mutated.options.flatMap((o) => (o.kind === 'mss' ? [o.value] : []))));
    for (const v of [0, 536, 1460, 65535]) expect(mssValues.has(v)).to.equal(true);
    expect(new Set(ps.map((p) => p.ip))).to.deep.equal(new Set([4, 6]));
    const cookie = ps.filter((p) => p.kind === 'cookie_ack');
    expect(cookie.every((p) => p.mutated.seq.base === 'peer.isn' && p.mutated.seq.offset === 1 && p.mutated.flags & ACK)).to.equal(true);
    const l = campaign('listener');
    const profiles = new Set<string>();
    for (let b = 0; b < 4; b++) profiles.add(probeAt(l, b * l.rotateEvery).profile);
    expect(profiles.size).to.equal(4);
  });

  it('request: seq around rcv_isn, rcv_nxt and the window edge ±1; ack around ISN+1 ±1', () => {
    const ps = all.request;
    const seq = offsets(ps, seqOf, 'peer.isn');
    for (const o of [-1, 0, 1, 2]) expect(seq.has(o), `seq peer.isn${o >= 0 ? '+' : ''}${o}`).to.equal(true);
    const win = offsets(ps, seqOf, 'peer.isn', true);
    for (const o of [0, 1, 2]) expect(win.has(o), `seq rcv_nxt+win${o - 1 >= 0 ? '+' : ''}${o - 1}`).to.equal(true);
    const ack = offsets(ps, ackOf, 'dut.isn');
    for (const o of [0, 1, 2]) expect(ack.has(o), `ack dut.isn+${o}`).to.equal(true);
    expect(ps.some((p) => p.mutated.seq.base === 'abs')).to.equal(true);
    // every request probe first sends the SYN and captures the SYN-ACK
    expect(ps.every((p) => p.setup[0].kind === 'send' && p.setup[1].kind === 'capture')).to.equal(true);
  });

  it('request: TSecr inside and just outside [first, last] SYN-ACK TSval, zero; TSval older than ts_recent', () => {
    const ecr = new Set<string>();
    const val = new Set<string>();
    for (const p of all.request) {
      for (const o of p.mutated.options) {
        if (o.kind !== 'ts') continue;
        ecr.add(`${o.ecr.base}${o.ecr.offset}`);
        val.add(`${o.val.base}${o.val.offset}`);
      }
    }
    for (const k of ['dut.tsval0', 'dut.tsval-1', 'dut.tsval1', 'abs0']) expect(ecr.has(k), k).to.equal(true);
    for (const k of ['peer.tsval0', 'peer.tsval-1', 'peer.tsval1', 'abs0']) expect(val.has(k), k).to.equal(true);
    // duplicate SYNs: exact retransmission (seq = rcv_isn) and other sequence numbers
    const dup = all.request.filter((p) => p.kind === 'dup_syn');
    expect(dup.some((p) => p.mutated.seq.base === 'peer.isn' && p.mutated.seq.offset === 0 && !p.mutated.seq.win)).to.equal(true);
    expect(dup.some((p) => !(p.mutated.seq.base === 'peer.isn' && p.mutated.seq.offset === 0))).to.equal(true);
    // RSTs in and out of window
    const rst = all.request.filter((p) => p.kind === 'rst');
    expect(rst.some((p) => p.mutated.seq.win)).to.equal(true);
    expect(rst.some((p) => p.mutated.seq.base === 'peer.isn' && p.mutated.seq.offset === 1 && !p.mutated.seq.win)).to.equal(true);
  });

  it('synsent: ack = ISN, ISN+1, ISN+2; RST with and without ACK; SYN without ACK; bogus TSecr', () => {
    const ps = all.synsent;
    const ack = offsets(ps, ackOf, 'dut.isn');
    for (const o of [0, 1, 2]) expect(ack.has(o), `ack dut.isn+${o}`).to.equal(true);
    expect(ps.some((p) => p.mutated.flags & RST && !(p.mutated.flags & ACK))).to.equal(true);
    expect(ps.some((p) => p.mutated.flags & RST && p.mutated.flags & ACK)).to.equal(true);
    expect(ps.some((p) => p.kind === 'syn' && !(p.mutated.flags & ACK))).to.equal(true);
    const ecr = new Set(ps.flatMap((p) => p.mutated.options.flatMap((o) => (o.kind === 'ts' ? [`${o.ecr.base}${o.ecr.offset}`] : []))));
    for (const k of ['dut.tsval0', 'dut.tsval-1', 'dut.tsval1', 'abs0']) expect(ecr.has(k), k).to.equal(true);
    expect(ps.every((p) => p.setup[0].kind === 'connect')).to.equal(true);
  });

  it('established: old SYNs, RSTs at rcv_nxt ±1 and beyond the window, old and future ACKs', () => {
    const ps = all.established;
    expect(ps.some((p) => p.kind === 'syn' && p.mutated.seq.base === 'peer.isn' && p.mutated.seq.offset === 0)).to.equal(true);
    const rst = ps.filter((p) => p.kind === 'rst');
    const rs = offsets(rst, seqOf, 'peer.isn');
    for (const o of [0, 1, 2]) expect(rs.has(o), `rst seq rcv_nxt${o - 1}`).to.equal(true);
    expect(rst.some((p) => p.mutated.seq.win)).to.equal(true);
    const ack = offsets(
      ps.filter((p) => p.kind === 'ack'),
      ackOf,
      'dut.isn',
    );
    for (const o of [0, 1, 2]) expect(ack.has(o)).to.equal(true);
    expect([...ack].some((o) => o < -1000)).to.equal(true);
    expect(ps.every((p) => p.setup.length === 3 && p.setup[2].kind === 'send')).to.equal(true);
  });

  it('every probe (setup and mutated) resolves and builds, IPv4 and IPv6', () => {
    const ends4 = { src: '198.18.0.2', dst: '198.18.0.1', dport: 8080 };
    const ends6 = { src: '2001:2::2', dst: '2001:2::1', dport: 8080 };
    for (const t of Object.keys(all) as Target[]) {
      for (const p of all[t].slice(0, 3000)) {
        const b = bindingsFor(p, { dutIsn: 0xfffffff0, dutTsval: 5, dutWindow: 65160 });
        const ends = p.ip === 4 ? ends4 : ends6;
        for (const s of p.setup) if (s.kind === 'send') buildIp(probePacketSpec(p, s.packet, b, ends));
        const f = probePacketSpec(p, p.mutated, b, ends);
        const d = decodeIp(buildIp(f));
        if (!p.mutated.mistakes.dataOffset && !p.mutated.mistakes.ipLayer) {
          expect(d.tcp?.seq).to.equal(f.seq);
          expect(d.tcp?.ack).to.equal(f.ack);
        }
      }
    }
  });

  it('listener probes need no capture: they resolve from the probe alone', () => {
    for (const p of all.listener) resolve(p.mutated, bindingsFor(p));
  });

  // A probe packet's fields resolved on fixed ends (the addresses and ports play no part in resolving).
  const resolve = (pk: ProbePacket, b: ProbeBindings) => probePacketSpec(all.listener[0], pk, b, { src: '198.18.0.2', dst: '198.18.0.1', dport: 8080 });

  it('relative fields resolve modulo 2^32 against the bindings', () => {
    const p = all.request.find((x) => x.mutated.seq.win && x.mutated.seq.offset === 2)!;
    const b = bindingsFor(p, { dutIsn: 0xffffffff, dutTsval: 0, dutWindow: 1000 });
    expect(resolve(p.mutated, b).seq).to.equal((p.peerIsn + 2 + 1000) >>> 0);
    expect(() => resolve({ ...p.mutated, seq: { base: 'peer.isn', offset: 1 }, ack: { base: 'dut.isn', offset: 1 } }, { peerIsn: 1 })).to.throw(/dut\.isn/);
    expect(() => resolve(p.mutated, { peerIsn: 1, dutIsn: 1 })).to.throw(/window/);
    const ts = resolve(
      {
        ...p.mutated,
        seq: { base: 'abs', offset: 0 },
        ack: { base: 'abs', offset: 0 },
        options: [{ kind: 'ts', val: { base: 'peer.tsval', offset: -1 }, ecr: { base: 'dut.tsval', offset: 1 } }],
      },
      { peerIsn: 0, peerTsval: 0, dutTsval: 0xffffffff },
    );
    expect(ts.options![0]).to.deep.equal({ kind: 'ts', val: 0xffffffff, ecr: 0 });
  });

  it('a campaign-wide option setting is honoured (no malformed items when malformed: 0)', () => {
    const c = parseCampaignText(
      'name: c\nseed: 3\nbudget: { probes: 1 }\ntarget: listener\ngenerator:\n  kinds: { syn_opts: 1 }\n  options: { malformed: 0, wscale_invalid: 0, weights: { wscale: 1 } }\n',
      'c.yaml',
    );
    const ps = probes(c, 2000);
    expect(ps.some((p) => isMalformed(p.mutated))).to.equal(false);
    expect(ps.every((p) => p.mutated.options.every((o) => o.kind === 'wscale' && o.shift <= 14))).to.equal(true);
  });
});

describe('request probes after a setup SYN without TS (C26)', () => {
  it('every TS option of the third packet keeps TSecr 0: with two, the kernel reads the last', () => {
    const ts = (ecr: TsRef) => ({ kind: 'ts' as const, val: { base: 'peer.tsval' as const, offset: 0 }, ecr });
    const p = {
      flags: 0x10,
      seq: { base: 'peer.isn', offset: 1 },
      ack: { base: 'dut.isn', offset: 1 },
      window: 1024,
      urg: 0,
      options: [ts({ base: 'abs', offset: 0 }), { kind: 'nop' }, ts({ base: 'dut.tsval', offset: 1 }), ts({ base: 'abs', offset: 7 })],
      payload: new Uint8Array(0),
      tos: 0,
      mistakes: {},
    } as ProbePacket;
    const q = withKnownCookieBits(p, false);
    expect(q.options.filter((o) => o.kind === 'ts').map((o) => (o as { ecr: TsRef }).ecr)).to.deep.equal([
      { base: 'abs', offset: 0 },
      { base: 'abs', offset: 0 },
      { base: 'abs', offset: 0 },
    ]);
    expect(q.options[1]).to.deep.equal({ kind: 'nop' });
    expect(withKnownCookieBits(p, true)).to.equal(p);
  });
});
