// The minimizer reduces a noisy probe to the core a (synthetic) divergence depends on,
// deterministically and within its attempt budget.
import { expect } from 'chai';
import { parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { probeAt } from '../../../lib/fuzz/generate';
import { minimize, minimizeDetailed } from '../../../lib/fuzz/minimize';
import type { Probe, ProbePacket } from '../../../lib/fuzz/probe';
import { packetKey } from '../../../lib/fuzz/probe';
import { ACK, AE, CWR, ECE, PSH, SYN, URG } from '../../../lib/wire/types';

const campaign = parseCampaignText('name: m\nseed: 5\nbudget: { probes: 1 }\ntarget: request\n', 'm.yaml');

const NOISY: ProbePacket = {
  flags: SYN | ECE | CWR | PSH | URG | AE,
  seq: { base: 'peer.isn', offset: 12345 },
  ack: { base: 'abs', offset: 999999 },
  window: 1234,
  urg: 77,
  options: [
    { kind: 'mss', value: 9000 },
    { kind: 'nop' },
    { kind: 'sackOK' },
    { kind: 'ts', val: { base: 'peer.tsval', offset: -5 }, ecr: { base: 'dut.tsval', offset: 3 } },
    { kind: 'wscale', shift: 200 },
    { kind: 'tfo', cookie: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) },
    { kind: 'unknown', type: 99, data: Uint8Array.from([9, 9, 9]) },
    { kind: 'eol' },
  ],
  payload: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
  tos: 0x2b,
  mistakes: { reservedBits: 3, tcpChecksum: 'bad' },
};

function noisyProbe(): Probe {
  return { ...probeAt(campaign, 17), mutated: NOISY };
}

/** "diverges iff options contain wscale ≥ 15 and flags has ECE" */
function wsEce(log?: string[]) {
  return async (p: Probe): Promise<boolean> => {
    log?.push(packetKey(p.mutated));
    return (p.mutated.flags & ECE) !== 0 && p.mutated.options.some((o) => o.kind === 'wscale' && o.shift >= 15);
  };
}

describe('fuzz minimizer', () => {
  it('reduces a noisy probe to exactly the core of the divergence', async () => {
    const r = await minimizeDetailed(noisyProbe(), wsEce());
    const m = r.probe.mutated;
    expect(m.flags).to.equal(ECE);
    expect(m.options).to.deep.equal([{ kind: 'wscale', shift: 15 }]);
    expect(m.window).to.equal(64240);
    expect(m.tos).to.equal(0);
    expect(m.urg).to.equal(0);
    expect(m.payload.length).to.equal(0);
    expect(m.mistakes).to.deep.equal({});
    expect(m.seq).to.deep.equal({ base: 'peer.isn', offset: 1 });
    expect(m.ack).to.deep.equal({ base: 'abs', offset: 0 });
    expect(r.exhausted).to.equal(false);
    expect(r.attempts).to.be.at.most(80);
    // the rest of the probe is untouched
    const p = noisyProbe();
    expect(r.probe.setup).to.equal(p.setup);
    expect(r.probe.index).to.equal(p.index);
  });

  it('reduces generated listener probes to the same core, in few attempts', async () => {
    const l = parseCampaignText('name: l\nseed: 5\nbudget: { probes: 1 }\ntarget: listener\n', 'l.yaml');
    const pred = wsEce();
    let n = 0;
    for (let i = 0; i < 20000 && n < 60; i++) {
      const p = probeAt(l, i);
      if (!(await pred(p))) continue;
      n++;
      const r = await minimizeDetailed(p, pred);
      expect(r.probe.mutated.flags, `probe ${i}`).to.equal(ECE);
      expect(r.probe.mutated.options, `probe ${i}`).to.deep.equal([{ kind: 'wscale', shift: 15 }]);
      expect(r.probe.mutated.payload.length).to.equal(0);
      expect(r.attempts).to.be.at.most(60);
    }
    expect(n).to.equal(60);
  });

  it('is deterministic: same candidates in the same order, same result', async () => {
    const a: string[] = [];
    const b: string[] = [];
    const ra = await minimizeDetailed(noisyProbe(), wsEce(a));
    const rb = await minimizeDetailed(noisyProbe(), wsEce(b));
    expect(a).to.deep.equal(b);
    expect(packetKey(ra.probe.mutated)).to.equal(packetKey(rb.probe.mutated));
    expect(new Set(a).size).to.equal(a.length); // never asks the same candidate twice
  });

  it('stays within the attempt bound and returns a probe that still diverges', async () => {
    const pred = wsEce();
    for (const max of [1, 3, 10, 25]) {
      const r = await minimizeDetailed(noisyProbe(), pred, { maxAttempts: max });
      expect(r.attempts).to.be.at.most(max);
      expect(r.exhausted).to.equal(true);
      expect(await pred(r.probe)).to.equal(true);
    }
  });

  it('keeps the original when nothing can be removed', async () => {
    const p = noisyProbe();
    const same = packetKey(p.mutated);
    const r = await minimize(p, async (q) => packetKey(q.mutated) === same);
    expect(packetKey(r.mutated)).to.equal(same);
  });

  it('moves a far sequence number toward its default while the divergence persists (finds the window edge)', async () => {
    const W = 65160;
    const p: Probe = {
      ...noisyProbe(),
      mutated: { ...NOISY, flags: ACK, options: [], seq: { base: 'peer.isn', offset: 1 + 10_000_000 }, ack: { base: 'dut.isn', offset: 1 }, mistakes: {} },
    };
    // "out of window": seq − rcv_nxt ≥ W (no wrap in this test)
    const oow = async (q: Probe) => q.mutated.seq.base === 'peer.isn' && q.mutated.seq.offset - 1 >= W && (q.mutated.flags & ACK) !== 0;
    const r = await minimizeDetailed(p, oow);
    expect(r.probe.mutated.seq).to.deep.equal({ base: 'peer.isn', offset: 1 + W });
    expect(r.probe.mutated.ack).to.deep.equal({ base: 'dut.isn', offset: 1 });
    expect(r.probe.mutated.flags).to.equal(ACK);
    expect(r.attempts).to.be.at.most(60);
  });

  it('simplifies TS values toward peer.tsval / dut.tsval and finds the PAWS edge', async () => {
    const p: Probe = {
      ...noisyProbe(),
      mutated: {
        ...NOISY,
        flags: ACK,
        mistakes: {},
        payload: new Uint8Array(0),
        options: [{ kind: 'nop' }, { kind: 'ts', val: { base: 'peer.tsval', offset: -100000 }, ecr: { base: 'abs', offset: 77 } }],
      },
    };
    // PAWS: diverges iff the TSval is older than ts_recent
    const paws = async (q: Probe) => q.mutated.options.some((o) => o.kind === 'ts' && o.val.base === 'peer.tsval' && o.val.offset < 0);
    const r = await minimize(p, paws);
    expect(r.mutated.options).to.deep.equal([{ kind: 'ts', val: { base: 'peer.tsval', offset: -1 }, ecr: { base: 'dut.tsval', offset: 0 } }]);
    expect(r.mutated.flags).to.equal(0);
  });
});
