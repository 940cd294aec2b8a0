// ICMPv4 / ICMPv6: the builder's messages decode to what was asked, re-emit byte for byte, verify
// their checksums (and fail them on request), and read back what they quote; names both ways.
import { expect } from 'chai';
import { buildIcmp, buildIp, decodeIp, emitDecoded, formatPacket, icmpCodeByName, icmpMtu, icmpTypeByName, quotePacket, icmpText } from '../../../lib/wire';

const seg4 = buildIp({ ip: 4, src: '198.18.0.1', dst: '198.18.0.2', sport: 8080, dport: 40000, seq: 123456, flags: 'S', payload: new Uint8Array(1000) });
const seg6 = buildIp({ ip: 6, src: '2001:2::1', dst: '2001:2::2', sport: 8080, dport: 40000, seq: 7, flags: 'SA', ack: 1 });

describe('wire: ICMP', () => {
  it('v4 frag_needed quoting a SYN with data: decodes, verifies, round-trips, reads the quote', () => {
    const bytes = buildIcmp({ ip: 4, src: '198.18.0.2', dst: '198.18.0.1', type: 3, code: 4, mtu: 800, quote: quotePacket(seg4) });
    expect(bytes.length).to.equal(20 + 8 + 20 + 20);
    const d = decodeIp(bytes);
    expect(d.notes).to.deep.equal([]);
    expect(d.ipChecksumOk).to.equal(true);
    expect(d.icmpChecksumOk).to.equal(true);
    expect(d.icmp).to.include({ version: 4, type: 3, code: 4 });
    expect(icmpMtu(d.icmp!)).to.equal(800);
    expect(d.icmpQuote?.tcp).to.deep.equal({ sport: 8080, dport: 40000, seq: 123456 });
    expect(d.icmpQuote?.ip).to.include({ src: '198.18.0.1', dst: '198.18.0.2', totalLength: 1040 });
    expect(Buffer.from(emitDecoded(d)).equals(Buffer.from(bytes))).to.equal(true);
    expect(icmpText(d)).to.equal('icmp unreachable frag_needed mtu 800 [198.18.0.1.8080 > 198.18.0.2.40000 seq 123456]');
    expect(formatPacket(d)).to.contain('198.18.0.2 > 198.18.0.1: icmp unreachable frag_needed mtu 800');
  });

  it('v6 packet_too_big: 32-bit MTU, pseudo-header checksum', () => {
    const bytes = buildIcmp({ ip: 6, src: '2001:2::2', dst: '2001:2::1', type: 2, mtu: 1400, quote: quotePacket(seg6, 8) });
    const d = decodeIp(bytes);
    expect(d.icmpChecksumOk).to.equal(true);
    expect(icmpMtu(d.icmp!)).to.equal(1400);
    expect(d.icmpQuote?.tcp).to.deep.equal({ sport: 8080, dport: 40000, seq: 7 });
    expect(icmpText(d)).to.equal('icmp6 packet_too_big mtu 1400 [2001:2::1.8080 > 2001:2::2.40000 seq 7]');
    expect(Buffer.from(emitDecoded(d)).equals(Buffer.from(bytes))).to.equal(true);
  });

  it('mistakes: a bad ICMP or IP checksum is reported as such', () => {
    const d = decodeIp(
      buildIcmp({
        ip: 4,
        src: '198.18.0.2',
        dst: '198.18.0.1',
        type: 3,
        code: 1,
        quote: quotePacket(seg4),
        mistakes: { icmpChecksum: 'bad', ipChecksum: 'bad' },
      }),
    );
    expect(d.icmpChecksumOk).to.equal(false);
    expect(d.ipChecksumOk).to.equal(false);
    expect(formatPacket(d)).to.contain('[bad icmp cksum');
    const d6 = decodeIp(buildIcmp({ ip: 6, src: '2001:2::2', dst: '2001:2::1', type: 1, quote: quotePacket(seg6), mistakes: { icmpChecksum: 0x1234 } }));
    expect(d6.icmp?.checksum).to.equal(0x1234);
    expect(d6.icmpChecksumOk).to.equal(false);
  });

  it('an MTU on a type that has none is refused; names map both ways', () => {
    expect(() => buildIcmp({ ip: 4, src: '198.18.0.2', dst: '198.18.0.1', type: 3, code: 1, mtu: 800, quote: new Uint8Array(0) })).to.throw(/frag_needed/);
    expect(icmpTypeByName(4, 'unreachable')).to.equal(3);
    expect(icmpCodeByName(4, 3, 'frag_needed')).to.equal(4);
    expect(icmpCodeByName(4, 3, 'code_9')).to.equal(9);
    expect(icmpTypeByName(6, 'packet_too_big')).to.equal(2);
    expect(icmpTypeByName(6, 'nonsense')).to.equal(undefined);
  });

  it('truncated and unknown messages stay raw bytes, decode never throws', () => {
    const full = buildIcmp({ ip: 4, src: '198.18.0.2', dst: '198.18.0.1', type: 42, code: 7, rest: 0xdeadbeef, quote: new Uint8Array([1, 2, 3]) });
    const d = decodeIp(full);
    expect(d.icmp).to.include({ type: 42, code: 7, rest: 0xdeadbeef });
    expect(Array.from(d.icmp!.body)).to.deep.equal([1, 2, 3]);
    expect(d.icmpQuote).to.equal(undefined);
    expect(Buffer.from(emitDecoded(d)).equals(Buffer.from(full))).to.equal(true);
    for (let n = 0; n <= full.length; n++) {
      const cut = full.subarray(0, n);
      const x = decodeIp(cut);
      expect(Buffer.from(emitDecoded(x)).equals(Buffer.from(cut)), `cut at ${n}`).to.equal(true);
    }
    const err = decodeIp(buildIcmp({ ip: 4, src: '198.18.0.2', dst: '198.18.0.1', type: 3, code: 3, quote: seg4.subarray(0, 24) }));
    expect(err.icmpQuote?.tcp).to.equal(undefined);
    expect(err.notes.map((n) => n.message)).to.deep.equal(['quoted TCP header truncated: 4 of 8 bytes']);
  });
});
