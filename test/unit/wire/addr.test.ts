import { expect } from 'chai';
import { ipv4FromBytes, ipv4ToBytes, ipv6FromBytes, ipv6ToBytes, macFromBytes, macToBytes } from '../../../lib/wire/addr';
import { toHex } from '../../../lib/wire/bytes';

describe('wire/addr', () => {
  it('IPv4 dotted quads', () => {
    expect(Array.from(ipv4ToBytes('198.18.0.1'))).to.deep.equal([198, 18, 0, 1]);
    expect(ipv4FromBytes(Uint8Array.from([9, 255, 0, 0, 10, 0, 0, 7]), 4)).to.equal('10.0.0.7');
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '01.2.3.4', 'a.b.c.d', '1.2.3.4 ', '']) {
      expect(() => ipv4ToBytes(bad), bad).to.throw(/invalid IPv4/);
    }
  });

  const v6: Array<[string, string, string]> = [
    // input, canonical, hex
    ['2001:db8::1', '2001:db8::1', '20010db8000000000000000000000001'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1', '20010db8000000000000000000000001'],
    ['::', '::', '0'.repeat(32)],
    ['::1', '::1', '0'.repeat(31) + '1'],
    ['1::', '1::', '0001' + '0'.repeat(28)],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', '20010db8000000010001000100010001'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', '20010db8000000000001000000000001'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1', '20010000000000010000000000000001'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['64:ff9b::198.51.100.7', '64:ff9b::c633:6407', '0064ff9b0000000000000000c6336407'],
    ['fe80::a:b:c:d', 'fe80::a:b:c:d', 'fe80000000000000000a000b000c000d'],
  ];
  for (const [input, canon, hex] of v6) {
    it(`IPv6 ${input} → ${canon}`, () => {
      const b = ipv6ToBytes(input);
      expect(toHex(b)).to.equal(hex);
      expect(ipv6FromBytes(b, 0)).to.equal(canon);
      expect(toHex(ipv6ToBytes(canon))).to.equal(hex);
    });
  }
  it('rejects bad IPv6 text', () => {
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', 'g::', 'fe80::1%eth0', '1:2:3:4:5:6:7::8', ':::', '::1.2.3']) {
      expect(() => ipv6ToBytes(bad), bad).to.throw(/invalid IPv6/);
    }
  });
  it('MAC addresses', () => {
    expect(Array.from(macToBytes('02:00:5E:10:00:01'))).to.deep.equal([2, 0, 0x5e, 0x10, 0, 1]);
    expect(Array.from(macToBytes('02-00-5e-10-00-01'))).to.deep.equal([2, 0, 0x5e, 0x10, 0, 1]);
    expect(macFromBytes(Uint8Array.from([2, 0, 0x5e, 0x10, 0, 0xab]), 0)).to.equal('02:00:5e:10:00:ab');
    expect(() => macToBytes('02:00:5e:10:00')).to.throw(/invalid MAC/);
    expect(() => macToBytes('02:00-5e:10:00:01')).to.throw(/invalid MAC/);
  });
});
