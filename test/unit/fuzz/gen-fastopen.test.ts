// Client Fast Open set-ups (synsent campaigns with setup.fastopen): each probe draws one of the four
// set-ups, its steps say what the engine does (flush, sendto / TCP_FASTOPEN_CONNECT + write, a first
// connection that caches the cookie), setupVariant reads the choice back (guided mutants keep it), and
// synack_tfo aims its ack at none, half or all of the SYN's data.
import { expect } from 'chai';
import { join } from 'path';
import { loadCampaignFile, parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { probeAt, setupFor, setupVariant } from '../../../lib/fuzz/generate';
import { FASTOPEN_SETUPS, SETUP_COOKIE } from '../../../lib/fuzz/gen-fastopen';
import { toHex } from '../../../lib/wire/bytes';

const DIR = join(__dirname, '../../../cases/campaigns');

describe('fuzz: client Fast Open set-ups', () => {
  const c = loadCampaignFile(join(DIR, 'synsent-fastopen.yaml'));
  const len = c.generator.setup.fastopen!;
  const ps = Array.from({ length: 2000 }, (_, i) => probeAt(c, i));

  it('every probe has one of the four set-ups, all four drawn, read back by setupVariant', () => {
    const seen = new Set<string>();
    for (const p of ps) {
      const v = setupVariant(p.setup);
      expect(v.fo, `probe ${p.index}`).to.be.oneOf([...FASTOPEN_SETUPS]);
      seen.add(v.fo!);
      expect(setupFor(c, v.ts, v.fin, v.fo)).to.deep.equal(p.setup);
      expect(p.setup[0].kind).to.equal('flush-metrics');
      expect(p.setup[p.setup.length - 1]).to.deep.include({ kind: 'capture', what: 'syn' });
    }
    expect([...seen].sort()).to.deep.equal([...FASTOPEN_SETUPS].sort());
  });

  it('cached set-ups open a first connection whose SYN-ACK carries the cookie, then a second', () => {
    for (const p of ps) {
      const fo = setupVariant(p.setup).fo!;
      const conns = p.setup.filter((s) => s.kind === 'connect');
      const writes = p.setup.filter((s) => s.kind === 'write');
      if (fo.startsWith('request')) {
        expect(conns).to.have.length(1);
        expect(writes).to.have.length(fo === 'request-connect' ? 1 : 0);
        continue;
      }
      expect(conns).to.have.length(2);
      expect(conns[0]).to.deep.equal({ kind: 'connect', tfo: { via: 'fastopen-connect', len } });
      expect(conns[1]).to.deep.equal({ kind: 'connect', tfo: { via: fo === 'cached-sendto' ? 'sendto' : 'fastopen-connect', len } });
      const sa = p.setup.find((s) => s.kind === 'send');
      expect(sa && sa.kind === 'send' && sa.packet.options.some((o) => o.kind === 'tfo' && toHex(o.cookie) === toHex(SETUP_COOKIE))).to.equal(true);
    }
  });

  it('synack_tfo acks around ISN+1, ISN+1+len/2 and ISN+1+len, with and without a cookie', () => {
    const acks = new Set<number>();
    let cookie = 0;
    let none = 0;
    for (const p of ps.filter((x) => x.kind === 'synack_tfo')) {
      // (a tenth are far values, as nearEdge draws them)
      if (p.mutated.ack.base === 'dut.isn') acks.add(p.mutated.ack.offset);
      if (p.mutated.options.some((o) => o.kind === 'tfo')) cookie++;
      else none++;
    }
    for (const o of [1, 1 + len, 1 + (len >> 1)]) expect(acks.has(o), `ack dut.isn+${o}`).to.equal(true);
    expect(cookie).to.be.greaterThan(0);
    expect(none).to.be.greaterThan(0);
  });

  it('campaigns without setup.fastopen never draw a Fast Open set-up', () => {
    const plain = loadCampaignFile(join(DIR, 'synsent-synack.yaml'));
    for (let i = 0; i < 500; i++) expect(setupVariant(probeAt(plain, i).setup).fo).to.equal(undefined);
  });

  it('setup.fastopen on another target is refused with its place', () => {
    expect(() => parseCampaignText('name: x\nseed: 1\nbudget: { probes: 1 }\ntarget: request\ngenerator:\n  setup: { fastopen: 10 }\n', 'x.yaml')).to.throw(
      /x\.yaml:6:\d+: .*setup\.fastopen .* synsent only/,
    );
  });
});
