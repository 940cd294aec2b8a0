// Campaign files: the examples load, defaults are filled per target, and every kind of mistake is
// reported as file:line:column pointing at the offending node.
import { expect } from 'chai';
import { join } from 'path';
import { CampaignError, loadCampaignDir, loadCampaignFile, parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { campaignHash, DEFAULT_KINDS, KINDS } from '../../../lib/fuzz/campaign';
import { TARGETS } from '../../../lib/fuzz/probe';

const DIR = join(__dirname, '../../../cases/campaigns');

function errorOf(text: string, file = 'c.yaml'): CampaignError {
  try {
    parseCampaignText(text, file);
  } catch (e) {
    if (e instanceof CampaignError) return e;
    throw e;
  }
  throw new Error('expected a CampaignError');
}

const MIN = 'name: c\nseed: 1\nbudget: { probes: 10 }\n';

describe('fuzz campaigns: loading', () => {
  it('loads every example campaign, at least one per target', () => {
    const all = loadCampaignDir(DIR);
    expect(all.length).to.be.greaterThanOrEqual(4);
    const targets = new Set(all.map((x) => x.campaign.target));
    expect([...targets].sort()).to.deep.equal([...TARGETS].sort());
  });

  it('the listener example rotates the four sysctl profiles over both IP versions', () => {
    const c = loadCampaignFile(join(DIR, 'listener-syn-flood-mix.yaml'));
    expect(c.ip).to.deep.equal([4, 6]);
    expect(c.profiles.map((p) => p.sysctls)).to.deep.equal([
      {},
      { 'net.ipv4.tcp_syncookies': 2 },
      { 'net.ipv4.tcp_timestamps': 0, 'net.ipv4.tcp_sack': 0, 'net.ipv4.tcp_ecn': 0 },
      { 'net.ipv4.tcp_window_scaling': 0, 'net.ipv4.tcp_ecn': 1, 'net.ipv4.tcp_reflect_tos': 1 },
    ]);
    expect(c.listen).to.deep.equal({ port: 8080, backlog: 4096, sockopts: {} });
  });

  it('fills defaults per target', () => {
    const l = parseCampaignText(`${MIN}target: listener\n`, 'l.yaml');
    expect(l.generator.kinds).to.deep.equal(DEFAULT_KINDS.listener);
    expect(l.ip).to.deep.equal([4]);
    expect(l.profiles).to.deep.equal([{ name: 'defaults', sysctls: {} }]);
    expect(l.listen?.port).to.equal(8080);
    expect(l.connect).to.equal(undefined);
    const s = parseCampaignText(`${MIN}target: synsent\nip: 6\n`, 's.yaml');
    expect(s.generator.kinds).to.deep.equal(DEFAULT_KINDS.synsent);
    expect(s.connect?.port).to.equal(9000);
    expect(s.listen).to.equal(undefined);
    expect(s.ip).to.deep.equal([6]);
    for (const t of Object.keys(DEFAULT_KINDS) as Array<keyof typeof DEFAULT_KINDS>) {
      expect(Object.keys(DEFAULT_KINDS[t]).sort()).to.deep.equal(Object.keys(KINDS[t]).sort());
    }
  });

  it('a weight map given replaces the default mix (unlisted = 0); sysctl lists become strings', () => {
    const c = parseCampaignText(
      `${MIN}target: request\ngenerator:\n  kinds: { tsecr: 1 }\n  options:\n    mutators: { ws_len4: 1 }\nprofiles:\n  - name: rmem\n    sysctls: { net.ipv4.tcp_rmem: [4096, 131072, 6291456] }\n`,
      'c.yaml',
    );
    expect(c.generator.kinds).to.deep.equal({ tsecr: 1 });
    expect(c.generator.options.mutators.ws_len4).to.equal(1);
    expect(c.generator.options.mutators.silly_len).to.equal(0);
    expect(c.profiles[0].sysctls['net.ipv4.tcp_rmem']).to.equal('4096 131072 6291456');
  });

  it('the campaign hash ignores budget, window and description but not the seed or generator', () => {
    const a = parseCampaignText(`${MIN}target: listener\n`, 'a.yaml');
    const b = parseCampaignText(`name: c\nseed: 1\nbudget: { seconds: 99 }\ndescription: other\nwindow: 7\ntarget: listener\n`, 'b.yaml');
    const c = parseCampaignText(`name: c\nseed: 2\nbudget: { probes: 10 }\ntarget: listener\n`, 'c.yaml');
    const d = parseCampaignText(`${MIN}target: listener\ngenerator: { payload: { p: 0.5 } }\n`, 'd.yaml');
    expect(campaignHash(a)).to.equal(campaignHash(b));
    expect(campaignHash(a)).to.not.equal(campaignHash(c));
    expect(campaignHash(a)).to.not.equal(campaignHash(d));
  });
});

describe('fuzz campaigns: errors are file:line:column', () => {
  it('unknown key: at the key, with a suggestion', () => {
    const e = errorOf(`${MIN}target: listener\ngenerator:\n  optons: { malformed: 0.1 }\n`, 'bad.yaml');
    expect(e.issues).to.have.length(1);
    expect(e.toString()).to.match(/^bad\.yaml:6:3: unknown key 'optons' in generator — did you mean 'options'\?/);
  });

  it('out-of-range value: at the value', () => {
    const e = errorOf(`${MIN}target: listener\ngenerator:\n  options:\n    malformed: 1.5\n`);
    expect(e.toString()).to.equal('c.yaml:7:16: generator.options.malformed: 1.5 is above 1 — a probability is 0..1, e.g. 0.2');
  });

  it('several problems: all of them, sorted by position', () => {
    const e = errorOf('name: Bad_Name\nseed: -3\nbudget: {}\ntarget: listner\n');
    const lines = e.toString().split('\n');
    expect(lines).to.have.length(4);
    expect(lines[0]).to.match(/^c\.yaml:1:7: .*kebab-case/);
    expect(lines[1]).to.match(/^c\.yaml:2:7: .*below 0/);
    expect(lines[2]).to.match(/^c\.yaml:3:9: budget is empty/);
    expect(lines[3]).to.match(/^c\.yaml:4:9: target: unknown target "listner"/);
    expect(e.line).to.equal(1);
    expect(e.column).to.equal(7);
  });

  it('a packet class the target does not have: at its key', () => {
    const e = errorOf(`${MIN}target: synsent\ngenerator:\n  kinds:\n    synack: 3\n    dup_syn: 1\n`);
    expect(e.toString()).to.match(/^c\.yaml:8:5: .*unknown packet class 'dup_syn' for target synsent — classes: synack,/);
  });

  it('a sysctl that is not a dotted net.* name: at the key, with the fix', () => {
    const e = errorOf(`${MIN}target: listener\nprofiles:\n  - name: p\n    sysctls:\n      tcp_syncookies: 2\n`);
    expect(e.toString()).to.match(/^c\.yaml:8:7: .*is not a per-namespace sysctl name — write the full name, net\.ipv4\.tcp_syncookies/);
  });

  it('missing required keys, wrong socket section, bad ranges and options', () => {
    expect(errorOf('name: c\nseed: 1\ntarget: listener\n').toString()).to.match(/^c\.yaml:1:1: missing budget/);
    expect(errorOf(`${MIN}target: synsent\nlisten: { port: 80 }\n`).toString()).to.match(/^c\.yaml:5:1: .*connects out; it has no listener/);
    expect(errorOf(`${MIN}target: listener\ngenerator: { options: { wscale: [9, 3] } }\n`).toString()).to.match(/^c\.yaml:5:33: wscale: the first bound/);
    expect(errorOf(`${MIN}target: request\ngenerator:\n  setup:\n    options: [mss=1460, wscal=7]\n`).toString()).to.match(
      /^c\.yaml:7:25: .*unknown option "wscal"/,
    );
    expect(errorOf(`${MIN}target: listener\nprofiles:\n  - name: a\n  - name: a\n`).toString()).to.match(/^c\.yaml:7:11: .*used twice/);
  });

  it('YAML syntax errors and non-mappings', () => {
    // An unclosed bracket is reported where it opens, with the fix.
    expect(errorOf('name: c\nseed: [1\n').toString()).to.match(/^c\.yaml:2:7: this '\[' is never closed — add the matching '\]'/);
    expect(errorOf('name: c\nname: d\n').toString()).to.match(/^c\.yaml:2:1: YAML syntax error: .* — a key may appear once per mapping/);
    expect(errorOf('- a\n- b\n').toString()).to.match(/^c\.yaml:1:1: a campaign file is a mapping/);
  });
});
