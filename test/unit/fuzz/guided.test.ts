// Rule-coverage-guided generation (lib/fuzz/guided.ts): the corpus absorbs results epoch by epoch,
// keeps probes that hit new rules or paths, and draws mutants deterministically; a run stopped inside
// an epoch and resumed from its snapshot draws the same probes as one run in one go.
import { expect } from 'chai';
import { parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { newCheckpoint, saveCheckpoint, loadCheckpoint } from '../../../lib/fuzz/checkpoint';
import { campaignHash } from '../../../lib/fuzz/campaign';
import { Corpus, corpusProbe, emptyCorpus, GUIDED_EPOCH, pathKey, type ProbeResult } from '../../../lib/fuzz/guided';
import { bindingsFor, probePacketSpec, probeToJson, type Probe } from '../../../lib/fuzz/probe';
import { buildIp } from '../../../lib/wire/build';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const ENDS = { 4: { src: '198.18.0.2', dst: '198.18.0.1', dport: 8080 }, 6: { src: '2001:2::2', dst: '2001:2::1', dport: 8080 } } as const;
const listener = parseCampaignText('name: g\nseed: 7\nbudget: { probes: 10000 }\ntarget: listener\nip: both\nguided: true\n', 'g.yaml');
const request = parseCampaignText('name: r\nseed: 9\nbudget: { probes: 10000 }\ntarget: request\nguided: true\n', 'r.yaml');

/** A stand-in for the model: rules from the probe's fields (a rare one for FIN+URG with window 0). */
function rulesOf(p: Probe): string[] {
  const m = p.mutated;
  const r = ['seen', `kind.${p.kind}`, `flags.${m.flags & 0x3f}`];
  if ((m.flags & 0x21) === 0x21 && m.window === 0) r.push('rare');
  return r;
}

/** Drive a corpus over [from, to) as the campaign runner does: epochs, results absorbed at chunk ends. */
function drive(c: typeof listener, corpus: Corpus, from: number, to: number): Probe[] {
  const out: Probe[] = [];
  let results: ProbeResult[] = [];
  for (let i = from; i < to; i++) {
    if (i % GUIDED_EPOCH === 0 || i === from) {
      corpus.absorb(results, i);
      results = [];
    }
    const p = corpus.probeAt(c, i);
    out.push(p);
    const rules = rulesOf(p);
    results.push({
      index: i,
      rules,
      ...(p.origin?.parent !== undefined ? { parent: p.origin.parent } : {}),
      ...(corpus.mayMatter(rules) ? { probe: corpusProbe(p) } : {}),
    });
  }
  corpus.absorb(results, to);
  return out;
}

describe('guided fuzzing corpus', () => {
  it('the guided key is part of the campaign hash; unguided campaigns keep their hash', () => {
    const plain = parseCampaignText('name: g\nseed: 7\nbudget: { probes: 10000 }\ntarget: listener\nip: both\n', 'g.yaml');
    const off = parseCampaignText('name: g\nseed: 7\nbudget: { probes: 10000 }\ntarget: listener\nip: both\nguided: false\n', 'g.yaml');
    expect(campaignHash(plain)).to.equal(campaignHash(off));
    expect(campaignHash(plain)).to.not.equal(campaignHash(listener));
    expect(() => parseCampaignText('name: g\nseed: 7\nbudget: { probes: 1 }\ntarget: listener\nguided: 3\n', 'g.yaml')).to.throw(
      /g.yaml:5:\d+: guided must be true or false/,
    );
  });

  it('keeps new rules and new paths, counts rule hits, credits the parent of a mutant that found something', () => {
    const c = new Corpus();
    const probe = probeToJson({ index: 0 } as unknown as Probe);
    c.absorb(
      [
        { index: 0, rules: ['a', 'b'], probe },
        { index: 1, rules: ['a', 'b'], probe },
        { index: 2, rules: ['a', 'c'], probe },
      ],
      GUIDED_EPOCH,
    );
    expect(c.size).to.equal(2);
    expect(c.ruleHits()).to.deep.equal({ a: 3, b: 2, c: 1 });
    expect(c.firstHit()).to.deep.equal({ a: 0, b: 0, c: 2 });
    expect(c.mayMatter(['a', 'b'])).to.equal(false);
    expect(c.mayMatter(['b', 'a'])).to.equal(true); // another path (order counts)
    c.absorb(
      [
        { index: GUIDED_EPOCH, rules: ['a', 'd'], probe, parent: 1 },
        { index: GUIDED_EPOCH + 1, rules: ['a', 'b'], parent: 0 },
      ],
      2 * GUIDED_EPOCH,
    );
    const s = c.snapshot();
    expect(s.entries.map((e) => [e.tries, e.finds])).to.deep.equal([
      [1, 0],
      [1, 1],
      [0, 0],
    ]);
    expect(pathKey(['a', 'b', 'a'])).to.equal('a>b');
  });

  it('results of an epoch not yet complete wait in pending; absorbed once it is', () => {
    const c = new Corpus();
    c.absorb([{ index: 3, rules: ['x'], probe: {} }], 10);
    expect(c.absorbedBelow).to.equal(0);
    expect(c.snapshot().pending).to.have.length(1);
    expect(() => c.probeAt(listener, GUIDED_EPOCH)).to.throw(/epoch start/);
    c.absorb([], GUIDED_EPOCH);
    expect(c.absorbedBelow).to.equal(GUIDED_EPOCH);
    expect(c.snapshot().pending).to.have.length(0);
    expect(c.ruleHits()).to.deep.equal({ x: 1 });
  });

  it('is deterministic, and a run stopped inside an epoch resumes to the same probes (snapshot through a checkpoint)', () => {
    const N = 4 * GUIDED_EPOCH + 37;
    const once = drive(listener, new Corpus(), 0, N).map((p) => JSON.stringify(probeToJson(p)));
    const again = drive(listener, new Corpus(), 0, N).map((p) => JSON.stringify(probeToJson(p)));
    expect(again).to.deep.equal(once);
    const first = new Corpus();
    const stop = 2 * GUIDED_EPOCH + 101;
    const a = drive(listener, first, 0, stop);
    const dir = mkdtempSync(join(tmpdir(), 'guided-'));
    try {
      const path = join(dir, 'checkpoint.json');
      saveCheckpoint(path, { ...newCheckpoint(listener), nextIndex: stop, probesDone: stop, guided: first.snapshot() });
      const resumed = new Corpus(loadCheckpoint(path)!.guided);
      const b = drive(listener, resumed, stop, N);
      expect([...a, ...b].map((p) => JSON.stringify(probeToJson(p)))).to.deep.equal(once);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('draws mutants of corpus entries (about half the probes), each a valid packet on its own port and profile', () => {
    const c = new Corpus();
    const ps = drive(listener, c, 0, 3 * GUIDED_EPOCH);
    const mutants = ps.filter((p) => (p as Probe & { origin?: unknown }).origin);
    expect(mutants.length).to.be.within(GUIDED_EPOCH * 0.6, GUIDED_EPOCH * 1.4);
    for (const p of ps) {
      expect(p.sport).to.equal(listener.generator.ports[0] + (p.index % (listener.generator.ports[1] - listener.generator.ports[0] + 1)));
      // A listener probe refers to nothing the DUT chose: it builds without bindings.
      expect(() => buildIp(probePacketSpec(p, p.mutated, bindingsFor(p), ENDS[p.ip]))).to.not.throw();
    }
    // Request probes: the setup stays the campaign's (shared), mutants keep a buildable packet with bindings.
    const r = new Corpus();
    for (const p of drive(request, r, 0, 2 * GUIDED_EPOCH)) {
      expect(p.setup.length).to.equal(2);
      expect(() => buildIp(probePacketSpec(p, p.mutated, bindingsFor(p, { dutIsn: 1, dutTsval: 2, dutWindow: 3 }), ENDS[p.ip]))).to.not.throw();
    }
  });

  it('mutants keep out of the timing-undecidable SYN_SENT TSecr edge (C11): no ACK with TSecr 1..999 ms above the SYN', () => {
    const synsent = parseCampaignText('name: s\nseed: 3\nbudget: { probes: 10000 }\ntarget: synsent\nguided: true\n', 's.yaml');
    let mutants = 0;
    for (const p of drive(synsent, new Corpus(), 0, 8 * GUIDED_EPOCH)) {
      if ((p as Probe & { origin?: unknown }).origin) mutants++;
      if (!(p.mutated.flags & 0x10)) continue;
      for (const o of p.mutated.options)
        if (o.kind === 'ts' && o.ecr.base === 'dut.tsval')
          expect(o.ecr.offset <= 0 || o.ecr.offset >= 1000, `probe ${p.index}: TSecr dut.tsval+${o.ecr.offset}`).to.equal(true);
    }
    expect(mutants).to.be.greaterThan(500);
  });

  it('finds a rare rule sooner than the unguided sequence (stand-in oracle)', () => {
    const N = 40 * GUIDED_EPOCH;
    const firstRare = (ps: Probe[]) => ps.findIndex((p) => rulesOf(p).includes('rare'));
    const guided = firstRare(drive(listener, new Corpus(), 0, N));
    const plain: Probe[] = [];
    const { probeAt } = require('../../../lib/fuzz/generate') as typeof import('../../../lib/fuzz/generate');
    for (let i = 0; i < N; i++) plain.push(probeAt(listener, i));
    const unguided = firstRare(plain);
    expect(guided).to.be.greaterThan(-1);
    expect(unguided === -1 || guided < unguided, `guided ${guided}, unguided ${unguided}`).to.equal(true);
  });

  it('an empty corpus snapshot round-trips', () => {
    expect(new Corpus(emptyCorpus()).snapshot()).to.deep.equal(emptyCorpus());
  });
});
