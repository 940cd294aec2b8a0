import { expect } from 'chai';
import { AF_INET, AF_INET6, canonicalAddr, decodeSockaddr, encodeSockaddr, familyOf, formatIPv6, parseIPv6, unmapV4 } from '../../../harness/sys/sockaddr';

describe('sockaddr codec', () => {
  it('encodes sockaddr_in: family host-order, port big-endian, 16 bytes', () => {
    const b = encodeSockaddr('192.0.2.1', 8080);
    expect(b.length).to.equal(16);
    expect(b.readUInt16LE(0)).to.equal(AF_INET);
    expect(b.readUInt16BE(2)).to.equal(8080);
    expect([...b.subarray(4, 8)]).to.deep.equal([192, 0, 2, 1]);
    expect([...b.subarray(8)]).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('encodes sockaddr_in6: 28 bytes, flowinfo BE, scope id host-order', () => {
    const b = encodeSockaddr('2001:db8::1', 443, undefined, { flowinfo: 0x12345, scopeId: 3 });
    expect(b.length).to.equal(28);
    expect(b.readUInt16LE(0)).to.equal(AF_INET6);
    expect(b.readUInt16BE(2)).to.equal(443);
    expect(b.readUInt32BE(4)).to.equal(0x12345);
    expect(b.subarray(8, 24).toString('hex')).to.equal('20010db8000000000000000000000001');
    expect(b.readUInt32LE(24)).to.equal(3);
  });

  it('maps an IPv4 address to ::ffff:a.b.c.d for an AF_INET6 socket', () => {
    const b = encodeSockaddr('127.0.0.1', 80, 6);
    expect(b.length).to.equal(28);
    expect(b.subarray(8, 24).toString('hex')).to.equal('00000000000000000000ffff7f000001');
    expect(decodeSockaddr(b)).to.include({ family: 6, addr: '::ffff:127.0.0.1', port: 80 });
  });

  it('round-trips', () => {
    for (const [addr, port] of [
      ['0.0.0.0', 0],
      ['255.255.255.255', 65535],
      ['::', 1],
      ['::1', 22],
      ['fe80::1:2', 5],
      ['2001:db8:0:0:1::1', 7],
    ] as const) {
      const d = decodeSockaddr(encodeSockaddr(addr, port));
      expect(d.addr).to.equal(canonicalAddr(addr));
      expect(d.port).to.equal(port);
      expect(d.family).to.equal(familyOf(addr));
    }
  });

  it('parses scope ids and embedded IPv4', () => {
    expect(parseIPv6('fe80::1%4').scopeId).to.equal(4);
    expect(decodeSockaddr(encodeSockaddr('fe80::1%4', 1)).scopeId).to.equal(4);
    expect(parseIPv6('::ffff:10.1.2.3').bytes.toString('hex')).to.equal('00000000000000000000ffff0a010203');
    expect(() => parseIPv6('fe80::1%eth0')).to.throw(/numeric/);
  });

  it('formats IPv6 per RFC 5952', () => {
    const f = (s: string) => formatIPv6(parseIPv6(s).bytes);
    expect(f('2001:0db8:0000:0000:0000:0000:0000:0001')).to.equal('2001:db8::1');
    expect(f('2001:db8:0:1:0:0:0:1')).to.equal('2001:db8:0:1::1');
    expect(f('2001:db8:0:0:1:0:0:1')).to.equal('2001:db8::1:0:0:1'); // first of equal runs
    expect(f('2001:db8:1:1:1:1:0:1')).to.equal('2001:db8:1:1:1:1:0:1'); // single zero not compressed
    expect(f('::')).to.equal('::');
    expect(f('1::')).to.equal('1::');
    expect(f('::ffff:1.2.3.4')).to.equal('::ffff:1.2.3.4');
  });

  it('rejects bad input', () => {
    expect(() => encodeSockaddr('1.2.3', 1)).to.throw(TypeError);
    expect(() => encodeSockaddr('1.2.3.4', 70000)).to.throw(/port/);
    expect(() => encodeSockaddr('1::2::3', 1)).to.throw(TypeError);
    expect(() => decodeSockaddr(Buffer.from([1, 0, 0, 0]))).to.throw(/family/);
  });

  it('unmapV4', () => {
    expect(unmapV4('::ffff:127.0.0.1')).to.equal('127.0.0.1');
    expect(unmapV4('::1')).to.equal('::1');
  });
});
