// A chunk of probe frames: each one our Ethernet header (tester → DUT, the ethertype of the probe's
// family) and the probe's packet as buildIp writes it.
import { expect } from 'chai';
import { join } from 'path';
import { probeFrames } from '../../../harness/fuzz/probe-frames';
import { loadCampaignFile } from '../../../lib/fuzz/campaign-load';
import { probeAt } from '../../../lib/fuzz/generate';
import { bindingsFor, probePacketSpec } from '../../../lib/fuzz/probe';
import { toHex } from '../../../lib/wire/bytes';
import { buildIp } from '../../../lib/wire/build';
import { EthernetView } from '../../../lib/wire/ethernet';

describe('probe frames', () => {
  it('frames probes [a, b) from the tester to the DUT, byte for byte what buildIp writes', () => {
    const c = loadCampaignFile(join(__dirname, '../../../cases/campaigns/listener-syn-flood-mix.yaml'));
    const link = {
      src: '02:00:00:00:00:02',
      dst: '02:00:00:00:00:01',
      ends: { 4: { src: '198.18.0.2', dst: '198.18.0.1', dport: 8080 }, 6: { src: '2001:2::2', dst: '2001:2::1', dport: 8080 } },
    };
    const { buf, offs } = probeFrames(c, 10, 60, link);
    const bytes = new Uint8Array(buf);
    const families = new Set<number>();
    for (let i = 10; i < 60; i++) {
      const p = probeAt(c, i);
      const v = new EthernetView(bytes.subarray(offs[i - 10], offs[i - 9]));
      expect([v.dst, v.src, v.ethertype]).to.deep.equal([link.dst, link.src, p.ip === 4 ? 0x0800 : 0x86dd]);
      expect(toHex(v.payload())).to.equal(toHex(buildIp(probePacketSpec(p, p.mutated, bindingsFor(p), link.ends[p.ip]))));
      families.add(p.ip);
    }
    expect([...families].sort()).to.deep.equal([4, 6]);
  });
});
