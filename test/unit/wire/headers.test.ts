import { expect } from 'chai';
import { checksumPartial, fromHex, internetChecksum, toHex } from '../../../lib/wire/bytes';
import { emitEthernet, EthernetView, frameIp, ipEthertype, parseEthernet } from '../../../lib/wire/ethernet';
import { emitIpv4, ipv4HeaderChecksum, ipv4HeaderChecksumOk, Ipv4View, parseIpv4 } from '../../../lib/wire/ipv4';
import { emitIpv6, Ipv6View, parseIpv6 } from '../../../lib/wire/ipv6';
import { emitTcp, parseTcp, tcpChecksum, tcpChecksumBytes, tcpChecksumOkBytes, TcpView } from '../../../lib/wire/tcp';
import { ipv4ToBytes, ipv6ToBytes } from '../../../lib/wire/addr';
import { DecodeNote } from '../../../lib/wire/types';
import { SYN_V4, SYN_V4_IP_CKSUM, SYN_V4_TCP_CKSUM, SYN_V6, SYN_V6_TCP_CKSUM } from './vectors';

describe('wire headers', () => {
  describe('IPv4', () => {
    const pkt = fromHex(SYN_V4);
    it('View reads every field', () => {
      const v = new Ipv4View(pkt, 0);
      expect([v.version, v.ihl, v.headerLength, v.tos, v.totalLength, v.id, v.flags, v.df, v.mf, v.fragOffset, v.ttl, v.protocol, v.checksum]).to.deep.equal([
        4,
        5,
        20,
        0,
        60,
        0x1c46,
        2,
        true,
        false,
        0,
        64,
        6,
        SYN_V4_IP_CKSUM,
      ]);
      expect([v.src, v.dst, v.srcU32, v.dstU32]).to.deep.equal(['198.18.0.2', '198.18.0.1', 0xc6120002, 0xc6120001]);
    });
    it('View never throws past the end', () => {
      const v = new Ipv4View(new Uint8Array(3), 2);
      expect([v.totalLength, v.ttl, v.src]).to.deep.equal([0, 0, '0.0.0.0']);
    });
    it('header checksum: verify and recompute the vector', () => {
      expect(ipv4HeaderChecksumOk(pkt, 0)).to.equal(true);
      expect(ipv4HeaderChecksum(pkt, 0)).to.equal(SYN_V4_IP_CKSUM);
      const bad = pkt.slice();
      bad[8] = 63;
      expect(ipv4HeaderChecksumOk(bad, 0)).to.equal(false);
      expect(ipv4HeaderChecksumOk(fromHex('44' + '00'.repeat(19)), 0)).to.equal(false);
    });
    it('parse → emit is byte-exact, including IP options and odd fields', () => {
      const h = fromHex('4f 00 0030 1234 bfff 01 11 abcd 0a000001 0a000002' + '01'.repeat(40));
      const notes: DecodeNote[] = [];
      const r = parseIpv4(h, 0, notes)!;
      expect(notes).to.deep.equal([]);
      expect(r.flags).to.equal(5);
      expect(r.fragOffset).to.equal(0x1fff);
      expect(r.options.length).to.equal(40);
      expect(toHex(emitIpv4(r))).to.equal(toHex(h));
      const out = new Uint8Array(70);
      emitIpv4(r, out, 10);
      expect(toHex(out.subarray(10, 70))).to.equal(toHex(h));
    });
    it('bad ihl still gives the fixed fields, with a note', () => {
      const notes: DecodeNote[] = [];
      const r = parseIpv4(fromHex('43' + '00'.repeat(19)), 0, notes)!;
      expect(r.ihl).to.equal(3);
      expect(r.options.length).to.equal(0);
      expect(notes[0].message).to.match(/ihl 3 < 5/);
      expect(toHex(emitIpv4(r))).to.equal('43' + '00'.repeat(19));
      expect(parseIpv4(fromHex('4f' + '00'.repeat(19)), 0, notes)!.options.length).to.equal(0);
      expect(notes[1].message).to.match(/runs past the end/);
    });
    it('too short or wrong version: undefined with a note', () => {
      const notes: DecodeNote[] = [];
      expect(parseIpv4(new Uint8Array(19), 0, notes)).to.equal(undefined);
      expect(parseIpv4(fromHex('65' + '00'.repeat(19)), 0, notes)).to.equal(undefined);
      expect(notes.map((n) => n.message)).to.deep.equal(['IPv4 header truncated: 19 of 20 bytes', 'IP version 6, expected 4']);
    });
  });

  describe('IPv6', () => {
    const pkt = fromHex(SYN_V6);
    it('View reads every field', () => {
      const v = new Ipv6View(pkt, 0);
      expect([v.version, v.tclass, v.flow, v.payloadLength, v.nextHeader, v.hlim, v.src, v.dst]).to.deep.equal([
        6,
        0,
        0x12345,
        40,
        6,
        64,
        '2001:db8::2',
        '2001:db8::1',
      ]);
      expect(toHex(v.srcBytes())).to.equal(toHex(ipv6ToBytes('2001:db8::2')));
    });
    it('parse → emit is byte-exact (traffic class and flow split across nibbles)', () => {
      const h = fromHex('6ab12345 0000 3b ff' + 'fe800000000000000000000000000001' + 'ff020000000000000000000000000001');
      const r = parseIpv6(h, 0, [])!;
      expect([r.tclass, r.flow, r.nextHeader, r.hlim, r.src, r.dst]).to.deep.equal([0xab, 0x12345, 0x3b, 255, 'fe80::1', 'ff02::1']);
      expect(toHex(emitIpv6(r))).to.equal(toHex(h));
    });
    it('too short or wrong version: undefined with a note', () => {
      const notes: DecodeNote[] = [];
      expect(parseIpv6(new Uint8Array(39), 0, notes)).to.equal(undefined);
      expect(parseIpv6(new Uint8Array(40), 0, notes)).to.equal(undefined);
      expect(notes).to.have.length(2);
    });
  });

  describe('TCP', () => {
    const v4 = fromHex(SYN_V4);
    const seg4 = v4.subarray(20);
    const v6 = fromHex(SYN_V6);
    const seg6 = v6.subarray(40);

    it('View reads every field', () => {
      const v = new TcpView(v4, 20, 40);
      expect([v.sport, v.dport, v.seq, v.ack, v.dataOffset, v.headerLength, v.flags, v.window, v.checksum, v.urg]).to.deep.equal([
        40000,
        8080,
        0x12345678,
        0,
        10,
        40,
        0x002,
        64240,
        SYN_V4_TCP_CKSUM,
        0,
      ]);
      expect(toHex(v.optionsBytes())).to.equal('020405b40402080a0001e2400000000001030307');
      expect(v.payload().length).to.equal(0);
      const w = new TcpView(fromHex('0000 0000 ffffffff 80000000 5fff 0000 0000 0000 6869'));
      expect([w.seq, w.ack, w.flags, w.optionsBytes().length, toHex(w.payload())]).to.deep.equal([0xffffffff, 0x80000000, 0xfff, 0, '6869']);
    });
    it('View clips options/payload to the segment for silly data offsets', () => {
      const seg = fromHex('0000 0000 00000000 00000000 f002 0000 0000 0000 01010101');
      const v = new TcpView(seg);
      expect(v.optionsBytes().length).to.equal(4);
      expect(v.payload().length).to.equal(0);
      const low = new TcpView(fromHex('0000 0000 00000000 00000000 2002 0000 0000 0000 01010101'));
      expect(low.optionsBytes().length).to.equal(0);
      expect(low.payload().length).to.equal(4);
    });

    it('checksum of the IPv4 SYN matches the independent vector (0xba28)', () => {
      expect(tcpChecksum(4, '198.18.0.2', '198.18.0.1', seg4)).to.equal(SYN_V4_TCP_CKSUM);
      expect(tcpChecksumBytes(ipv4ToBytes('198.18.0.2'), ipv4ToBytes('198.18.0.1'), seg4)).to.equal(SYN_V4_TCP_CKSUM);
      expect(tcpChecksumOkBytes(ipv4ToBytes('198.18.0.2'), ipv4ToBytes('198.18.0.1'), seg4)).to.equal(true);
      expect(tcpChecksumOkBytes(ipv4ToBytes('198.18.0.3'), ipv4ToBytes('198.18.0.1'), seg4)).to.equal(false);
    });
    it('checksum of the IPv6 SYN matches the independent vector (0x5167)', () => {
      expect(tcpChecksum(6, '2001:db8::2', '2001:db8::1', seg6)).to.equal(SYN_V6_TCP_CKSUM);
      expect(tcpChecksumOkBytes(ipv6ToBytes('2001:db8::2'), ipv6ToBytes('2001:db8::1'), seg6)).to.equal(true);
    });
    it('pseudo-header + segment (checksum included) sums to 0xffff, by a hand-written pseudo-header', () => {
      // IPv4 pseudo-header: src, dst, 0, proto 6, TCP length.
      const ph4 = fromHex('c6120002 c6120001 00 06 0028');
      const sum4 = checksumPartial(ph4, 0, ph4.length);
      expect(internetChecksum(seg4, 0, seg4.length, sum4)).to.equal(0);
      // IPv6 pseudo-header: src, dst, 32-bit length, 3 zero bytes, next header 6.
      const ph6 = fromHex(toHex(v6.subarray(8, 40)) + '00000028 000000 06');
      expect(internetChecksum(seg6, 0, seg6.length, checksumPartial(ph6, 0, ph6.length))).to.equal(0);
    });
    it('checksum with an odd-length payload', () => {
      const seg = fromHex('0050 1f90 00000001 00000002 5018 ffff 0000 0000 616263');
      const ck = tcpChecksum(4, '10.0.0.1', '10.0.0.2', seg);
      seg[16] = ck >> 8;
      seg[17] = ck & 0xff;
      const ph = fromHex('0a000001 0a000002 0006 0017');
      expect(internetChecksum(seg, 0, seg.length, checksumPartial(ph, 0, ph.length))).to.equal(0);
    });

    it('parse → emit is byte-exact (options + payload)', () => {
      const seg = fromHex('9c40 1f90 12345678 9abcdef0 8fff ffff 1234 5678 020405b4 03030e 00 00000000 6869');
      const notes: DecodeNote[] = [];
      const r = parseTcp(seg, 0, seg.length, notes)!;
      expect(notes).to.deep.equal([]);
      expect(r.flags).to.equal(0xfff);
      expect(r.options.map((o) => o.kind)).to.deep.equal(['mss', 'wscale', 'eol', 'bytes']);
      expect(toHex(r.payload)).to.equal('6869');
      expect(toHex(emitTcp(r))).to.equal(toHex(seg));
    });
    it('emission is literal: dataOffset and checksum as given, no padding', () => {
      const r = parseTcp(seg4, 0, seg4.length, [])!;
      r.dataOffset = 3;
      r.checksum = 0xbeef;
      r.options = [
        { kind: 'mss', value: 1460 },
        { kind: 'wscale', shift: 1 },
      ];
      const out = emitTcp(r);
      expect(out.length).to.equal(27);
      expect(out[12] >> 4).to.equal(3);
      expect((out[16] << 8) | out[17]).to.equal(0xbeef);
    });
    it('bad data offset: fixed fields parsed, options and payload empty, a note', () => {
      for (const doff of [0, 4, 11]) {
        const seg = fromHex('0001 0002 00000003 00000004 0012 0005 0006 0007 01010101 01010101');
        seg[12] = doff << 4;
        const notes: DecodeNote[] = [];
        const r = parseTcp(seg, 0, seg.length, notes)!;
        expect([r.sport, r.dport, r.seq, r.ack, r.dataOffset, r.flags, r.window, r.checksum, r.urg]).to.deep.equal([1, 2, 3, 4, doff, 0x12, 5, 6, 7]);
        expect(r.options).to.deep.equal([]);
        expect(r.payload.length).to.equal(0);
        expect(notes).to.have.length(1);
        expect(notes[0].offset).to.equal(12);
        expect(toHex(emitTcp(r))).to.equal(toHex(seg.subarray(0, 20)));
      }
    });
    it('fewer than 20 bytes: undefined with a note', () => {
      const notes: DecodeNote[] = [];
      expect(parseTcp(new Uint8Array(30), 15, 100, notes)).to.equal(undefined);
      expect(notes[0].message).to.equal('TCP header truncated: 15 of 20 bytes');
    });
  });

  describe('Ethernet', () => {
    it('View, parse and emit', () => {
      const f = fromHex('ffffffffffff 020000000001 0800 45');
      const v = new EthernetView(f);
      expect([v.dst, v.src, v.ethertype, v.payload().length]).to.deep.equal(['ff:ff:ff:ff:ff:ff', '02:00:00:00:00:01', 0x0800, 1]);
      const r = parseEthernet(f, 0, [])!;
      expect(toHex(emitEthernet(r))).to.equal(toHex(f.subarray(0, 14)));
      const notes: DecodeNote[] = [];
      expect(parseEthernet(new Uint8Array(13), 0, notes)).to.equal(undefined);
      expect(notes).to.have.length(1);
    });

    it('frameIp puts an IP packet in a frame, the ethertype from its version nibble', () => {
      for (const [hex, type] of [
        [SYN_V4, 0x0800],
        [SYN_V6, 0x86dd],
      ] as const) {
        const ip = fromHex(hex);
        const f = frameIp(ip, '02:00:00:00:00:02', '02:00:00:00:00:01');
        const v = new EthernetView(f);
        expect([v.dst, v.src, v.ethertype]).to.deep.equal(['02:00:00:00:00:01', '02:00:00:00:00:02', type]);
        expect(toHex(v.payload())).to.equal(toHex(ip));
        expect(ipEthertype(ip[0] >> 4 === 6 ? 6 : 4)).to.equal(type);
      }
    });
  });
});
