import { expect } from 'chai';
import { buildFrame, buildIp, type PacketSpec } from '../../../lib/wire/build';
import { detectPasted, ipInFrame, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW } from '../../../lib/wire/link';

const V4: PacketSpec = { ip: 4, src: '198.18.0.2', dst: '198.18.0.1', sport: 40000, dport: 80, seq: 1000, flags: 'S', options: [{ kind: 'mss', value: 1460 }] };
const V6: PacketSpec = { ...V4, ip: 6, src: '2001:2::2', dst: '2001:2::1' };

describe('wire/link: where the IP header starts', () => {
  it('a bare IPv4 or IPv6 packet is IP at 0', () => {
    expect(detectPasted(buildIp(V4))).to.deep.equal({ offset: 0, link: 'IP' });
    expect(detectPasted(buildIp(V6))).to.deep.equal({ offset: 0, link: 'IP' });
  });

  it('an Ethernet frame is found by its ethertype and the version nibble after it, whatever its first byte', () => {
    for (const mac of ['02:00:00:00:00:01', '46:00:00:00:00:01', '62:aa:bb:cc:dd:ee', '4e:00:00:00:00:01']) {
      expect(detectPasted(buildFrame(V4, '02:00:00:00:00:02', mac))).to.deep.equal({ offset: 14, link: 'an Ethernet frame (ethertype 0x0800)' });
      expect(detectPasted(buildFrame(V6, '02:00:00:00:00:02', mac))).to.deep.equal({ offset: 14, link: 'an Ethernet frame (ethertype 0x86dd)' });
    }
  });

  it('an 802.1Q-tagged frame: IP after the tag', () => {
    const f = buildFrame(V4, '02:00:00:00:00:02', '02:00:00:00:00:01');
    const tagged = new Uint8Array(f.length + 4);
    tagged.set(f.subarray(0, 12));
    tagged.set([0x81, 0x00, 0x00, 0x05, 0x08, 0x00], 12);
    tagged.set(f.subarray(14), 18);
    expect(detectPasted(tagged)).to.deep.equal({ offset: 18, link: 'an Ethernet frame (ethertype 0x0800, 802.1Q)' });
  });

  it('an IPv4 packet whose source happens to read as an ethertype stays IP when its length says so', () => {
    // source 8.0.69.0: bytes 12-13 = 08 00, byte 14 = 0x45 — an Ethernet reading would also look valid
    const p = buildIp({ ...V4, src: '8.0.69.0' });
    expect(detectPasted(p)).to.deep.equal({ offset: 0, link: 'IP' });
  });

  it('a frame padded to 60 bytes is still Ethernet', () => {
    const f = buildFrame({ ...V4, options: [] }, '02:00:00:00:00:02', '46:00:00:00:00:01');
    const padded = new Uint8Array(60);
    padded.set(f);
    expect(padded.length).to.be.above(f.length);
    expect(detectPasted(padded)?.offset).to.equal(14);
  });

  it('neither: undefined', () => {
    expect(detectPasted(new Uint8Array([0x00, 0x11, 0x22]))).to.equal(undefined);
    expect(detectPasted(new Uint8Array(0))).to.equal(undefined);
    const arp = buildFrame(V4, '02:00:00:00:00:02', '02:00:00:00:00:01');
    arp[12] = 0x08;
    arp[13] = 0x06;
    expect(detectPasted(arp)).to.equal(undefined);
  });

  it('capture link types: Ethernet, raw IP, Linux cooked v1 and v2', () => {
    const ip = buildIp(V4);
    expect(ipInFrame(LINKTYPE_ETHERNET, buildFrame(V4, '02:00:00:00:00:02', '02:00:00:00:00:01'))?.offset).to.equal(14);
    expect(ipInFrame(LINKTYPE_RAW, ip)?.offset).to.equal(0);
    const sll = new Uint8Array(16 + ip.length);
    sll.set([0x08, 0x00], 14);
    sll.set(ip, 16);
    expect(ipInFrame(LINKTYPE_LINUX_SLL, sll)?.offset).to.equal(16);
    const sll2 = new Uint8Array(20 + ip.length);
    sll2.set([0x86, 0xdd], 0);
    sll2.set(buildIp(V6).subarray(0, ip.length), 20);
    expect(ipInFrame(LINKTYPE_LINUX_SLL2, sll2)?.offset).to.equal(20);
    expect(ipInFrame(147, ip)).to.equal(undefined);
  });
});
