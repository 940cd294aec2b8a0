// ICMP errors in place of a stateful probe's segment (mistakes.icmp): drawn only when the campaign
// asks, quoting the DUT's side of the flow, and built into an ICMP error the decoder reads back.
import { expect } from 'chai';
import { join } from 'path';
import { loadCampaignFile, parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { probeAt } from '../../../lib/fuzz/generate';
import { pickIcmp } from '../../../lib/fuzz/gen-icmp';
import { probePacketBytes } from '../../../lib/fuzz/probe';
import { decodeIp } from '../../../lib/wire/decode';
import { Prng } from '../../../lib/util/prng';

const DIR = join(__dirname, '../../../cases/campaigns');

describe('fuzz: ICMP errors as probes', () => {
  it('a campaign with mistakes.icmp sends ICMP errors about the DUT, quoting its flow', () => {
    const c = loadCampaignFile(join(DIR, 'established-stray.yaml'));
    const ps = Array.from({ length: 3000 }, (_, i) => probeAt(c, i)).filter((p) => p.mutated.icmp);
    expect(ps.length).to.be.within(40, 150); // 3 %
    const ends = { 4: { src: '198.18.0.1', dst: '198.18.0.2', dport: 8080 }, 6: { src: '2001:2::1', dst: '2001:2::2', dport: 8080 } };
    let quoted = 0;
    for (const p of ps) {
      const bytes = probePacketBytes(p, p.mutated, { peerIsn: p.peerIsn, dutIsn: 1000 }, ends[p.ip]);
      const d = decodeIp(bytes);
      expect(d.icmp, `probe ${p.index}`).to.not.equal(undefined);
      expect(d.icmp!.type).to.equal(p.mutated.icmp!.type);
      if (p.mutated.icmp!.badChecksum) continue;
      const q = d.icmpQuote;
      if (q) {
        quoted++;
        expect(q.tcp?.sport).to.equal(8080);
        expect(q.tcp?.dport).to.equal(p.mutated.icmp!.quote.otherPort ? p.sport + 1 : p.sport);
        expect(q.tcp?.seq).to.equal((1000 + p.mutated.icmp!.quote.seq.offset) >>> 0);
      }
    }
    expect(quoted).to.be.greaterThan(ps.length / 2);
  });

  it('MTUs: IPv4 never below min_pmtu, IPv6 only ones tcp_v6_err ignores', () => {
    const rng = new Prng(5);
    for (let i = 0; i < 2000; i++) {
      const v4 = pickIcmp(rng, 'established', 4);
      if (v4.mtu !== undefined) expect(v4.mtu).to.be.at.least(552);
      const v6 = pickIcmp(rng, 'established', 6);
      if (v6.mtu !== undefined) expect(v6.mtu < 1280 || v6.mtu >= 1500).to.equal(true);
    }
  });

  it('campaigns without it draw none; a listener campaign cannot have it', () => {
    const c = loadCampaignFile(join(DIR, 'established-active-stray.yaml'));
    for (let i = 0; i < 500; i++) expect(probeAt(c, i).mutated.icmp).to.equal(undefined);
    expect(() => parseCampaignText('name: x\nseed: 1\nbudget: { probes: 1 }\ntarget: listener\ngenerator:\n  mistakes: { icmp: 0.1 }\n', 'x.yaml')).to.throw(
      /x\.yaml:6:\d+: .*icmp applies to the stateful targets/,
    );
  });
});
