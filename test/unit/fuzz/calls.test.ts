// Socket calls and waits around a sequential probe's packet (generator.calls): drawn only when the
// campaign asks (other campaigns' probe streams unchanged), deterministic, refused where the target
// has no listener, and written into repro cases as the case format's call / wait steps.
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { parseCaseText } from '../../../lib/case/parse';
import { parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { probeAt } from '../../../lib/fuzz/generate';
import { CALLS_BEFORE, type Probe } from '../../../lib/fuzz/probe';
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
