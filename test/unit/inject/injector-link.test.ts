// The link path's frames: our Ethernet header to the DUT (or to the MAC asked for), the ethertype of
// the packet's IP version, the packet byte-exact after it.
import { expect } from 'chai';
import { Injector } from '../../../harness/inject/injector';
import { macToBytes } from '../../../lib/wire/addr';
import { fromHex, toHex } from '../../../lib/wire/bytes';
import { EthernetView } from '../../../lib/wire/ethernet';
import { SYN_V4, SYN_V6 } from '../wire/vectors';

describe('Injector link path', () => {
  it('frames IPv4 and IPv6 packets to the DUT, or to a given MAC', () => {
    const sent: Uint8Array[] = [];
    const inj = new Injector({ sendFrame: (f) => sent.push(Uint8Array.from(f)) }, '02:00:00:00:00:02', '02:00:00:00:00:01');
    inj.sendLink(fromHex(SYN_V4));
    inj.sendLink(fromHex(SYN_V6));
    inj.sendLink(fromHex(SYN_V4), macToBytes('ff:ff:ff:ff:ff:ff'));
    inj.sendLink(fromHex(SYN_V4));
    const seen = sent.map((f) => {
      const v = new EthernetView(f);
      return [v.dst, v.src, v.ethertype, toHex(v.payload())];
    });
    expect(seen).to.deep.equal([
      ['02:00:00:00:00:01', '02:00:00:00:00:02', 0x0800, toHex(fromHex(SYN_V4))],
      ['02:00:00:00:00:01', '02:00:00:00:00:02', 0x86dd, toHex(fromHex(SYN_V6))],
      ['ff:ff:ff:ff:ff:ff', '02:00:00:00:00:02', 0x0800, toHex(fromHex(SYN_V4))],
      ['02:00:00:00:00:01', '02:00:00:00:00:02', 0x0800, toHex(fromHex(SYN_V4))],
    ]);
    expect(inj.sent).to.equal(4);
  });
});
