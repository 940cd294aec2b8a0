import { expect } from 'chai';
import { fromHex, toHex } from '../../../lib/wire/bytes';
import { buildFrame, buildIp, buildIpInto, buildLength, PacketSpec } from '../../../lib/wire/build';
import { decodeEthernet, decodeIp } from '../../../lib/wire/decode';
import { ipv4HeaderChecksum } from '../../../lib/wire/ipv4';
import { tcpChecksum } from '../../../lib/wire/tcp';
import { parseOptionSpec } from '../../../lib/wire/tcp-options';
import { AE, Ipv4Repr, Ipv6Repr, SYN } from '../../../lib/wire/types';
import { SYN_V4, SYN_V6 } from './vectors';

const base4: PacketSpec = { ip: 4, src: '198.18.0.2', dst: '198.18.0.1', sport: 40000, dport: 8080 };
const base6: PacketSpec = { ip: 6, src: '2001:db8::2', dst: '2001:db8::1', sport: 40000, dport: 8080 };
const fullOpts = parseOptionSpec('mss=1460,sackOK,ts=123456:0,nop,wscale=7');

/** Indices where two equal-length arrays differ. */
function diff(a: Uint8Array, b: Uint8Array): number[] {
  expect(a.length).to.equal(b.length);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

function checksumsOk(b: Uint8Array): [boolean | undefined, boolean | undefined] {
  const d = decodeIp(b);
  return [d.ipChecksumOk, d.tcpChecksumOk];
}

describe('wire/build', () => {
  it('reproduces the independent IPv4 vector byte for byte', () => {
    expect(toHex(buildIp({ ...base4, id: 0x1c46, seq: 0x12345678, options: fullOpts }))).to.equal(SYN_V4);
  });
  it('reproduces the independent IPv6 vector byte for byte', () => {
    expect(toHex(buildIp({ ...base6, flow: 0x12345, seq: 0xfffffff0, window: 64800, options: fullOpts }))).to.equal(SYN_V6);
  });

  it('IPv4 defaults: tos 0, ttl 64, id 0, DF, seq 0, ack 0, SYN, win 64240, urg 0, doff 5, checksums right', () => {
    const b = buildIp(base4);
    expect(b.length).to.equal(40);
    expect(buildLength(base4)).to.equal(40);
    const d = decodeIp(b);
    const ip = d.ip as Ipv4Repr;
    expect([ip.ihl, ip.tos, ip.ttl, ip.id, ip.flags, ip.fragOffset, ip.protocol, ip.totalLength]).to.deep.equal([5, 0, 64, 0, 2, 0, 6, 40]);
    const t = d.tcp!;
    expect([t.seq, t.ack, t.flags, t.window, t.urg, t.dataOffset, t.options.length, t.payload.length]).to.deep.equal([0, 0, SYN, 64240, 0, 5, 0, 0]);
    expect([d.ipChecksumOk, d.tcpChecksumOk]).to.deep.equal([true, true]);
    expect(d.notes).to.deep.equal([]);
  });

  it('IPv6 defaults and fields: tclass, flow, hlim, payload length', () => {
    const d = decodeIp(buildIp(base6));
    const ip = d.ip as Ipv6Repr;
    expect([ip.tclass, ip.flow, ip.hlim, ip.payloadLength, ip.nextHeader]).to.deep.equal([0, 0, 64, 20, 6]);
    expect(d.tcpChecksumOk).to.equal(true);
    const e = decodeIp(buildIp({ ...base6, tclass: 0xb8, flow: 0xfffff, hlim: 1, payload: fromHex('00') }));
    const ip2 = e.ip as Ipv6Repr;
    expect([ip2.tclass, ip2.flow, ip2.hlim, ip2.payloadLength]).to.deep.equal([0xb8, 0xfffff, 1, 21]);
    expect(e.tcpChecksumOk).to.equal(true);
  });

  it('sets every explicit field', () => {
    const b = buildIp({
      ...base4,
      tos: 0x28,
      ttl: 3,
      id: 0xbeef,
      df: false,
      seq: 0xffffffff,
      ack: 0x80000000,
      flags: 'FSRPAUECN',
      window: 0,
      urg: 0xffff,
      payload: fromHex('68656c6c6f'),
    });
    const d = decodeIp(b);
    const ip = d.ip as Ipv4Repr;
    expect([ip.tos, ip.ttl, ip.id, ip.flags, ip.totalLength]).to.deep.equal([0x28, 3, 0xbeef, 0, 45]);
    const t = d.tcp!;
    expect([t.seq, t.ack, t.flags, t.window, t.urg, toHex(t.payload)]).to.deep.equal([0xffffffff, 0x80000000, 0x1ff, 0, 0xffff, '68656c6c6f']);
    expect(checksumsOk(b)).to.deep.equal([true, true]);
  });

  it('AE flag sits in byte 12 bit 0; urgent pointer without U is just urg', () => {
    const b = buildIp({ ...base4, flags: 'SAN', urg: 7 });
    expect(b[20 + 12]).to.equal(0x51);
    expect(b[20 + 13]).to.equal(0x12);
    const t = decodeIp(b).tcp!;
    expect(t.flags).to.equal(AE | 0x12);
    expect(t.urg).to.equal(7);
    expect(buildIp({ ...base4, flags: AE })[32]).to.equal(0x51);
  });

  it('pads options with zero bytes to a 4-byte boundary', () => {
    const b = buildIp({ ...base4, options: parseOptionSpec('mss=1460,wscale=7') });
    expect(toHex(b.subarray(40))).to.equal('020405b403030700');
    expect(b[32] >> 4).to.equal(7);
    const t = decodeIp(b).tcp!;
    expect(t.options.map((o) => o.kind)).to.deep.equal(['mss', 'wscale', 'eol']);
  });

  it('IPv4 options are copied and padded; ihl follows', () => {
    const b = buildIp({ ...base4, ipOptions: fromHex('010194') });
    expect(b[0]).to.equal(0x46);
    expect(toHex(b.subarray(20, 24))).to.equal('01019400');
    expect(checksumsOk(b)).to.deep.equal([true, true]);
  });

  it('buildIpInto writes the same bytes at an offset, over garbage, and returns the length', () => {
    const spec: PacketSpec = { ...base4, options: parseOptionSpec('mss=1460,wscale=7'), payload: fromHex('01') };
    const out = new Uint8Array(200).fill(0xaa);
    const n = buildIpInto(spec, out, 17);
    expect(n).to.equal(buildLength(spec));
    expect(toHex(out.subarray(17, 17 + n))).to.equal(toHex(buildIp(spec)));
    expect(out[16]).to.equal(0xaa);
    expect(out[17 + n]).to.equal(0xaa);
    expect(() => buildIpInto(spec, new Uint8Array(10), 0)).to.throw(/do not fit/);
  });

  it('buildFrame prepends Ethernet II with the right ethertype', () => {
    const f = buildFrame(base6, '02:00:00:00:00:01', '02:00:00:00:00:02');
    expect(toHex(f.subarray(0, 14))).to.equal('02000000000202000000000186dd');
    const d = decodeEthernet(f);
    expect(d.eth).to.deep.equal({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', type: 0x86dd });
    expect(d.tcpChecksumOk).to.equal(true);
    expect(buildFrame(base4, '02:00:00:00:00:01', '02:00:00:00:00:02')[12]).to.equal(0x08);
  });

  describe('mistakes: exactly the intended field changes, nothing else', () => {
    const spec: PacketSpec = { ...base4, id: 77, options: parseOptionSpec('mss=1460,sackOK,wscale=7'), payload: fromHex('abcd') };
    const good = buildIp(spec);
    const T = 20; // TCP offset
    const with_ = (m: PacketSpec['mistakes'], s: PacketSpec = spec) => buildIp({ ...s, mistakes: m });

    it('tcpChecksum: explicit value → only TCP bytes 16–17', () => {
      const b = with_({ tcpChecksum: 0x1234 });
      expect(diff(good, b)).to.deep.equal([T + 16, T + 17]);
      expect((b[T + 16] << 8) | b[T + 17]).to.equal(0x1234);
      expect(checksumsOk(b)).to.deep.equal([true, false]);
    });
    it("tcpChecksum: 'bad' → only TCP bytes 16–17, never verifies", () => {
      const b = with_({ tcpChecksum: 'bad' });
      expect(diff(good, b)).to.deep.equal([T + 16, T + 17]);
      expect(checksumsOk(b)).to.deep.equal([true, false]);
    });
    it("'bad' checksum still fails when the correct checksum is 0x0000 (0xffff would pass)", () => {
      // Find a packet whose correct TCP checksum is 0 by choosing the window.
      const probe = buildIp({ ...base4, window: 0 });
      const ck0 = (probe[T + 16] << 8) | probe[T + 17];
      const w = ck0; // raising the window by w lowers the checksum by w (one's complement)
      const zero = buildIp({ ...base4, window: w });
      expect((zero[T + 16] << 8) | zero[T + 17]).to.equal(0);
      expect(decodeIp(zero).tcpChecksumOk).to.equal(true);
      const bad = buildIp({ ...base4, window: w, mistakes: { tcpChecksum: 'bad' } });
      expect((bad[T + 16] << 8) | bad[T + 17]).to.not.be.oneOf([0, 0xffff]);
      expect(decodeIp(bad).tcpChecksumOk).to.equal(false);
    });
    it('ipChecksum: explicit and bad → only IP bytes 10–11', () => {
      const b = with_({ ipChecksum: 0xfeed });
      expect(diff(good, b)).to.deep.equal([10, 11]);
      expect((b[10] << 8) | b[11]).to.equal(0xfeed);
      expect(checksumsOk(b)).to.deep.equal([false, true]);
      const c = with_({ ipChecksum: 'bad' });
      expect(diff(good, c)).to.deep.equal([10, 11]);
      expect(checksumsOk(c)).to.deep.equal([false, true]);
    });
    it('dataOffset → byte 12 high nibble (plus the TCP checksum that covers it, still correct)', () => {
      const b = with_({ dataOffset: 15 });
      expect(diff(good, b)).to.deep.equal([T + 12, T + 16, T + 17].filter((i) => good[i] !== b[i]));
      expect(b[T + 12] >> 4).to.equal(15);
      expect(b[T + 12] & 0x0f).to.equal(good[T + 12] & 0x0f);
      expect(b.length).to.equal(good.length);
      expect(tcpChecksum(4, spec.src, spec.dst, b.subarray(T))).to.equal((b[T + 16] << 8) | b[T + 17]);
      expect(with_({ dataOffset: 0 })[T + 12] >> 4).to.equal(0);
    });
    it('ipTotalLength (v4) → bytes 2–3 (plus the header checksum, still correct); buffer unchanged', () => {
      const b = with_({ ipTotalLength: 1000 });
      expect(diff(good, b).filter((i) => i !== 10 && i !== 11)).to.deep.equal([2, 3]);
      expect((b[2] << 8) | b[3]).to.equal(1000);
      expect(ipv4HeaderChecksum(b, 0)).to.equal((b[10] << 8) | b[11]);
      expect(toHex(b.subarray(T))).to.equal(toHex(good.subarray(T)));
    });
    it('ipTotalLength (v6) → payload length bytes 4–5 only', () => {
      const g6 = buildIp(base6);
      const b = buildIp({ ...base6, mistakes: { ipTotalLength: 0 } });
      expect(diff(g6, b)).to.deep.equal([5]);
      expect((b[4] << 8) | b[5]).to.equal(0);
    });
    it('reservedBits → byte 12 bits 1..3 (plus the TCP checksum)', () => {
      for (let rb = 1; rb <= 7; rb++) {
        const b = with_({ reservedBits: rb });
        expect(diff(good, b).filter((i) => i !== T + 16 && i !== T + 17)).to.deep.equal([T + 12]);
        expect((b[T + 12] >> 1) & 7).to.equal(rb);
        expect(b[T + 12] & 0xf1).to.equal(good[T + 12] & 0xf1);
        expect(decodeIp(b).tcp!.flags & 0xe00).to.equal(rb << 9);
        expect(checksumsOk(b)).to.deep.equal([true, true]);
      }
    });
    it('noOptionPadding → options unpadded, doff rounded down, lengths follow the real bytes', () => {
      const s: PacketSpec = { ...base4, options: parseOptionSpec('mss=1460,wscale=7') };
      const b = buildIp({ ...s, mistakes: { noOptionPadding: true } });
      expect(b.length).to.equal(40 + 7);
      expect(b[T + 12] >> 4).to.equal(6);
      expect((b[2] << 8) | b[3]).to.equal(47);
      expect(toHex(b.subarray(40))).to.equal('020405b4030307');
      expect(checksumsOk(b)).to.deep.equal([true, true]);
      const d = decodeIp(b);
      expect(d.tcp!.options.map((o) => o.kind)).to.deep.equal(['mss']);
      expect(toHex(d.tcp!.payload)).to.equal('030307');
    });
    it('no mistakes object and an empty one build the same bytes', () => {
      expect(toHex(with_({}))).to.equal(toHex(good));
    });
  });

  describe('spec errors are explicit', () => {
    it('too many option bytes unless dataOffset is forced', () => {
      const opts = parseOptionSpec(`raw=${'01'.repeat(41)}`);
      expect(() => buildIp({ ...base4, options: opts })).to.throw(/44 bytes, at most 40/);
      const b = buildIp({ ...base4, options: opts, mistakes: { dataOffset: 15 } });
      expect(b.length).to.equal(20 + 20 + 44);
    });
    it('out-of-range fields and bad addresses', () => {
      expect(() => buildIp({ ...base4, sport: 70000 })).to.throw(/sport = 70000/);
      expect(() => buildIp({ ...base4, seq: -1 })).to.throw(/seq = -1/);
      expect(() => buildIp({ ...base4, flags: 'SZ' })).to.throw(/'Z'/);
      expect(() => buildIp({ ...base4, src: '1.2.3' })).to.throw(/invalid IPv4/);
      expect(() => buildIp({ ...base6, dst: 'nope' })).to.throw(/invalid IPv6/);
      expect(() => buildIp({ ...base4, mistakes: { reservedBits: 8 } })).to.throw(/reservedBits/);
    });
  });
});
