// Socket calls and waits around a sequential probe's packet (generator.calls): drawn only when the
// campaign asks (other campaigns' probe streams unchanged), deterministic, refused where the target
// has no listener, and written into repro cases as the case format's call / wait steps.
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { parseCaseText } from '../../../lib/case/parse';
import { parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { probeAt } from '../../../lib/fuzz/generate';
import { CALL_ORDER, CALLS_BEFORE, LATER_CALLS, otherIsn, otherPort, PROBE_CALLS, type Probe } from '../../../lib/fuzz/probe';
import { reproCaseYaml } from '../../../lib/fuzz/repro';

const BASE = `name: calls-test
seed: 3
budget: { probes: 1000 }
target: request
listen: { port: 8080, backlog: 128 }
`;

describe('fuzz calls around the mutated packet', () => {
  it('drawn only with generator.calls; deterministic; before-calls before, the rest after', () => {
    const plain = parseCampaignText(BASE, 'c.yaml');
    const withCalls = parseCampaignText(BASE + 'generator:\n  calls: { p: 0.5 }\n', 'c.yaml');
    let n = 0;
    for (let i = 0; i < 400; i++) {
      const a = probeAt(plain, i);
      const b = probeAt(withCalls, i);
      expect(a.before ?? a.after).to.equal(undefined);
      // the packets are those of the campaign without calls
      expect({ ...b, before: undefined, after: undefined }).to.deep.equal({ ...a, before: undefined, after: undefined });
      expect(probeAt(withCalls, i)).to.deep.equal(b);
      for (const c of b.before ?? []) expect(CALLS_BEFORE.has(c)).to.equal(true);
      for (const c of b.after ?? []) expect(CALLS_BEFORE.has(c)).to.equal(false);
      if (b.before || b.after) n++;
    }
    expect(n).to.be.within(140, 260);
  });

  it('refuses listener calls where the target has no listener, and calls on a listener target', () => {
    const synsent = `name: s\nseed: 1\nbudget: { probes: 10 }\ntarget: synsent\nconnect: { port: 9000 }\n`;
    expect(() => parseCampaignText(synsent + 'generator:\n  calls: { kinds: { accept: 1 } }\n', 's.yaml')).to.throw(/call accept needs the DUT's listener/);
    expect(() => parseCampaignText(synsent + 'generator:\n  calls: { kinds: { again: 1, wait: 1 } }\n', 's.yaml')).not.to.throw();
    const listener = `name: l\nseed: 1\nbudget: { probes: 10 }\ntarget: listener\n`;
    expect(() => parseCampaignText(listener + 'generator:\n  calls: { p: 0.1 }\n', 'l.yaml')).to.throw(/calls apply to the sequential targets/);
  });

  it('repro cases write the calls as call / wait steps and parse', () => {
    const c = parseCampaignText(BASE + 'generator:\n  calls: { p: 1 }\n', 'c.yaml');
    const probe: Probe = { ...probeAt(c, 7), before: ['defer-accept'], after: ['again', 'wait', 'close', 'close-listener', 'listen-in-use'] };
    const text = reproCaseYaml({
      probe,
      signature: 'request|close.fin|packet',
      diffs: [],
      reasons: [],
      kernel: '6.18.44',
      sysctls: {},
      bindings: { dutIsn: 5, dutTsval: 7, dutWindow: 65160 },
      waitsMs: [1150],
    });
    const steps = (parseYaml(text) as { steps: Array<Record<string, unknown>> }).steps;
    const ops = steps.flatMap((s) => (s.call ? [(s.call as { op: string }).op] : s.wait ? ['wait'] : []));
    expect(ops).to.deep.equal(['setsockopt', 'wait', 'accept', 'close', 'close', 'open-listener']);
    expect(text).to.contain("Not replayed: the probe's listen-in-use call");
    expect(steps.filter((s) => s.send).length).to.equal(3); // setup SYN, the packet, again
    expect(steps.find((s) => s.wait)!.wait).to.equal('1150ms');
    expect(() => parseCaseText(text, 'repro.yaml')).not.to.throw();
  });
});

describe('fuzz calls: peer-ack, other-syn, other-handshake, calls.n', () => {
  it('calls.n draws that many calls; other-syn / other-handshake go before the packet', () => {
    const c = parseCampaignText(
      BASE + 'generator:\n  calls: { p: 1, n: [2, 5], kinds: { other-syn: 2, other-handshake: 1, peer-ack: 1, wait: 1 } }\n',
      'c.yaml',
    );
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const p = probeAt(c, i);
      const n = (p.before?.length ?? 0) + (p.after?.length ?? 0);
      expect(n).to.be.within(2, 5);
      seen.add(n);
      for (const x of p.before ?? []) expect(['other-syn', 'other-handshake']).to.include(x);
      for (const x of p.after ?? []) expect(['peer-ack', 'wait']).to.include(x);
      expect(probeAt(c, i)).to.deep.equal(p);
    }
    expect([...seen].sort()).to.deep.equal([2, 3, 4, 5]);
  });

  it('a campaign that does not weigh the new calls keeps its hash (they are left out at weight 0)', () => {
    const c = parseCampaignText(BASE + 'generator:\n  calls: { p: 0.5, kinds: { again: 1, wait: 1 } }\n', 'c.yaml');
    expect(Object.keys(c.generator.calls!.kinds).sort()).to.deep.equal(
      ['accept', 'again', 'close', 'close-listener', 'defer-accept', 'listen-in-use', 'recv', 'wait'].sort(),
    );
    const d = parseCampaignText(BASE + 'generator:\n  calls: { p: 0.5 }\n', 'c.yaml');
    for (const k of LATER_CALLS) expect(d.generator.calls!.kinds[k], k).to.equal(undefined);
  });

  it('other flows: distinct ports and ISNs per call, away from the probe’s own, deterministic', () => {
    const ports = new Set<number>();
    for (const sport of [10000, 29999, 40000, 59999, 64999]) {
      for (let k = 0; k < 8; k++) {
        const port = otherPort({ sport }, k);
        expect(port).to.be.within(1024, 64999);
        expect(port).to.not.equal(sport);
        ports.add(sport * 100 + k);
      }
      const ps = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => otherPort({ sport }, k));
      expect(new Set(ps).size).to.equal(8);
      const isns = [0, 1, 2, 3].map((k) => otherIsn({ peerIsn: 0xfffffff0 }, k));
      expect(new Set(isns).size).to.equal(4);
      for (const x of isns) expect(x).to.be.within(0, 2 ** 32 - 1);
    }
  });

  it('refuses other-syn / other-handshake without a listener; repro cases name them as not replayed', () => {
    const synsent = `name: s\nseed: 1\nbudget: { probes: 10 }\ntarget: synsent\nconnect: { port: 9000 }\n`;
    expect(() => parseCampaignText(synsent + 'generator:\n  calls: { kinds: { other-syn: 1 } }\n', 's.yaml')).to.throw(
      /call other-syn needs the DUT's listener/,
    );
    expect(() => parseCampaignText(synsent + 'generator:\n  calls: { kinds: { peer-ack: 1 } }\n', 's.yaml')).not.to.throw();
    const c = parseCampaignText(BASE + 'generator:\n  calls: { p: 1 }\n', 'c.yaml');
    const probe: Probe = { ...probeAt(c, 3), before: ['other-handshake'], after: ['peer-ack'] };
    const text = reproCaseYaml({ probe, signature: 'request|check_req.overflow-drop|packet', diffs: [], reasons: [], kernel: '6.18.44', sysctls: {} });
    expect(text).to.contain("Not replayed: the probe's other-handshake, peer-ack call");
    expect(() => parseCaseText(text, 'repro.yaml')).not.to.throw();
  });
});

describe('fuzz calls.ordered and setup.data', () => {
  it('CALL_ORDER orders every call once', () => {
    expect([...CALL_ORDER].sort()).to.deep.equal([...PROBE_CALLS].sort());
  });
  it('ordered: the drawn calls are played in CALL_ORDER (recv, close, wait, peer-ack)', () => {
    const est = `name: e\nseed: 5\nbudget: { probes: 10 }\ntarget: established\nlisten: { port: 8080, backlog: 128 }\n`;
    const c = parseCampaignText(
      est + 'generator:\n  calls: { p: 1, n: [2, 4], ordered: true, kinds: { peer-ack: 1, wait: 1, close: 1, recv: 1 } }\n',
      'e.yaml',
    );
    for (let i = 0; i < 200; i++) {
      const after = probeAt(c, i).after ?? [];
      const ranks = after.map((x) => CALL_ORDER.indexOf(x));
      expect(ranks, after.join(',')).to.deep.equal([...ranks].sort((a, b) => a - b));
    }
  });

  it('setup.data: the setup SYN carries N bytes and the third ACK follows them; absent, the hash is unchanged', () => {
    const est = `name: e\nseed: 5\nbudget: { probes: 10 }\ntarget: established\nlisten: { port: 8080, backlog: 128 }\n`;
    const plain = parseCampaignText(est, 'e.yaml');
    const c = parseCampaignText(est + 'generator:\n  setup: { data: 8 }\n', 'e.yaml');
    expect(plain.generator.setup.data).to.equal(undefined);
    const p = probeAt(c, 0);
    const syn = p.setup.find((s) => s.kind === 'send' && s.what === 'syn');
    const ack = p.setup.find((s) => s.kind === 'send' && s.what === 'ack');
    expect(syn?.kind === 'send' && syn.packet.payload.length).to.equal(8);
    expect(ack?.kind === 'send' && ack.packet.seq).to.deep.equal({ base: 'peer.isn', offset: 9 });
  });
});
