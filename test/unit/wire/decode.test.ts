import { expect } from 'chai';
import { concatBytes, fromHex, toHex } from '../../../lib/wire/bytes';
import { buildFrame, buildIp, PacketSpec } from '../../../lib/wire/build';
import { decodeEthernet, decodeIp, emitDecoded } from '../../../lib/wire/decode';
import { parseOptionSpec } from '../../../lib/wire/tcp-options';
import { Decoded, Ipv4Repr, Ipv6Repr } from '../../../lib/wire/types';
import { SYN_V4, SYN_V6 } from './vectors';

const base4: PacketSpec = { ip: 4, src: '198.18.0.2', dst: '198.18.0.1', sport: 40000, dport: 8080 };
const base6: PacketSpec = { ip: 6, src: '2001:db8::2', dst: '2001:db8::1', sport: 40000, dport: 8080 };
const MAC_A = '02:00:00:00:00:01';
const MAC_B = '02:00:00:00:00:02';

function messages(d: Decoded): string[] {
  return d.notes.map((n) => `${n.layer}@${n.offset} ${n.message}`);
}

function expectExact(d: Decoded): void {
  expect(toHex(emitDecoded(d))).to.equal(toHex(d.bytes));
}

describe('wire/decode', () => {
  it('decodes the IPv4 vector completely', () => {
    const d = decodeIp(fromHex(SYN_V4));
    const ip = d.ip as Ipv4Repr;
    expect([ip.version, ip.src, ip.dst, ip.id, ip.totalLength]).to.deep.equal([4, '198.18.0.2', '198.18.0.1', 0x1c46, 60]);
    expect(d.tcp!.options.map((o) => o.kind)).to.deep.equal(['mss', 'sackOK', 'ts', 'nop', 'wscale']);
    expect([d.ipChecksumOk, d.tcpChecksumOk, d.rest, d.notes]).to.deep.equal([true, true, undefined, []]);
    expectExact(d);
  });
  it('decodes the IPv6 vector completely', () => {
    const d = decodeIp(fromHex(SYN_V6));
    const ip = d.ip as Ipv6Repr;
    expect([ip.version, ip.src, ip.dst, ip.flow]).to.deep.equal([6, '2001:db8::2', '2001:db8::1', 0x12345]);
    expect(d.tcp!.seq).to.equal(0xfffffff0);
    expect([d.ipChecksumOk, d.tcpChecksumOk, d.rest, d.notes]).to.deep.equal([undefined, true, undefined, []]);
    expectExact(d);
  });
  it('payload is a view into the input, not a copy', () => {
    const b = buildIp({ ...base4, payload: fromHex('0102030405') });
    const d = decodeIp(b);
    expect(d.tcp!.payload.buffer).to.equal(b.buffer);
    expect(toHex(d.tcp!.payload)).to.equal('0102030405');
  });

  it('empty buffer and unknown version: notes, no throw', () => {
    expect(messages(decodeIp(new Uint8Array(0)))).to.deep.equal(['ip@0 empty packet']);
    const d = decodeIp(fromHex('50 01 02'));
    expect(messages(d)).to.deep.equal(['ip@0 IP version 5 is neither 4 nor 6']);
    expect(toHex(d.rest!)).to.equal('500102');
    expectExact(d);
  });

  it('IPv4 total length longer than the buffer: trust the buffer, note it', () => {
    const b = buildIp({ ...base4, payload: fromHex('aabb'), mistakes: { ipTotalLength: 100 } });
    const d = decodeIp(b);
    expect(messages(d)).to.deep.equal(['ip@0 IPv4 total length claims 80 bytes of payload, only 22 present: using 22']);
    expect(toHex(d.tcp!.payload)).to.equal('aabb');
    expect(d.tcpChecksumOk).to.equal(true);
    expectExact(d);
  });
  it('IPv4 total length shorter than the buffer: trust the length, keep the tail raw, note it', () => {
    const b = concatBytes([buildIp({ ...base4, payload: fromHex('aabb') }), fromHex('ccdd')]);
    const d = decodeIp(b);
    expect(messages(d)).to.deep.equal(['ip@0 IPv4 total length claims 22 bytes of payload, 24 present: 2 trailing bytes kept raw']);
    expect(toHex(d.tcp!.payload)).to.equal('aabb');
    expect(toHex(d.rest!)).to.equal('ccdd');
    expect(d.tcpChecksumOk).to.equal(true);
    expectExact(d);
  });
  it('Ethernet minimum-frame padding is kept raw without a note', () => {
    const f = concatBytes([buildFrame(base4, MAC_A, MAC_B), new Uint8Array(6)]);
    expect(f.length).to.equal(60);
    const d = decodeEthernet(f);
    expect(d.notes).to.deep.equal([]);
    expect(d.rest!.length).to.equal(6);
    expect(d.tcpChecksumOk).to.equal(true);
    expectExact(d);
  });
  it('IPv4 total length below the header length', () => {
    const d = decodeIp(buildIp({ ...base4, mistakes: { ipTotalLength: 10 } }));
    expect(messages(d)).to.deep.equal(['ip@20 IPv4 total length 10 < header length 20']);
    expect(d.tcp).to.equal(undefined);
    expect(d.rest!.length).to.equal(20);
    expectExact(d);
  });
  it('IPv4 with a bad ihl keeps everything after 20 bytes raw', () => {
    const b = buildIp(base4);
    b[0] = 0x4f;
    const d = decodeIp(b);
    expect(d.ip).to.not.equal(undefined);
    expect(d.ipChecksumOk).to.equal(false);
    expect(d.tcp).to.equal(undefined);
    expect(d.rest!.length).to.equal(20);
    expectExact(d);
  });
  it('non-TCP protocol, fragments and IPv6 extension headers stay raw with a note', () => {
    const udp = buildIp(base4);
    udp[9] = 17;
    expect(messages(decodeIp(udp))).to.deep.equal(['ip@20 IP protocol 17 is not TCP']);
    const frag = buildIp(base4);
    frag[7] = 3;
    expect(messages(decodeIp(frag))).to.deep.equal(['ip@20 IPv4 fragment at offset 24: not parsed']);
    const mf = buildIp(base4);
    mf[6] = 0x20;
    const dmf = decodeIp(mf);
    expect(dmf.tcp).to.not.equal(undefined);
    expect(messages(dmf)).to.deep.equal(['ip@6 IPv4 first fragment (MF): TCP segment incomplete']);
    const ext = buildIp(base6);
    ext[6] = 0; // hop-by-hop
    const d6 = decodeIp(ext);
    expect(messages(d6)).to.deep.equal(['ip@40 IPv6 next header 0 is not TCP (extension headers are not parsed)']);
    expect(d6.rest!.length).to.equal(20);
    for (const b of [udp, frag, mf, ext]) expectExact(decodeIp(b));
  });
  it('bad TCP data offset: header parsed, remainder raw', () => {
    const b = buildIp({ ...base4, options: parseOptionSpec('mss=1460'), payload: fromHex('99'), mistakes: { dataOffset: 2 } });
    const d = decodeIp(b);
    expect(d.tcp!.dataOffset).to.equal(2);
    expect(d.tcp!.options).to.deep.equal([]);
    expect(toHex(d.rest!)).to.equal('020405b499');
    expect(d.tcpChecksumOk).to.equal(true);
    expect(messages(d)).to.deep.equal(['tcp@32 TCP data offset 2 < 5']);
    expectExact(d);
  });
  it('truncated TCP header', () => {
    const d = decodeIp(buildIp(base4).subarray(0, 30));
    expect(d.tcp).to.equal(undefined);
    expect(d.rest!.length).to.equal(10);
    expect(messages(d)).to.include('tcp@20 TCP header truncated: 10 of 20 bytes');
    expectExact(d);
  });
  it('IPv6 payload length 0 (jumbo-style) with data: trust the smaller', () => {
    const d = decodeIp(buildIp({ ...base6, mistakes: { ipTotalLength: 0 } }));
    expect(d.tcp).to.equal(undefined);
    expect(messages(d)[0]).to.match(/claims 0 bytes of payload, 20 present/);
    expectExact(d);
  });
  it('Ethernet: VLAN, non-IP, short frame, version mismatch', () => {
    const vlan = buildFrame(base4, MAC_A, MAC_B);
    vlan[12] = 0x81;
    vlan[13] = 0x00;
    const dv = decodeEthernet(vlan);
    expect(messages(dv)).to.deep.equal(['eth@14 VLAN-tagged (802.1Q) frame: not parsed']);
    expect(dv.rest!.length).to.equal(40);
    const arp = buildFrame(base4, MAC_A, MAC_B);
    arp[12] = 0x08;
    arp[13] = 0x06;
    expect(messages(decodeEthernet(arp))).to.deep.equal(['eth@14 ethertype 0x0806 is not IP']);
    expect(messages(decodeEthernet(new Uint8Array(5)))).to.deep.equal(['eth@0 Ethernet header truncated: 5 of 14 bytes']);
    const mismatch = buildFrame(base6, MAC_A, MAC_B);
    mismatch[12] = 0x08;
    mismatch[13] = 0x00;
    expect(messages(decodeEthernet(mismatch))).to.deep.equal(['ip@14 IP version 6, expected 4']);
    for (const f of [vlan, arp, new Uint8Array(5), mismatch]) expectExact(decodeEthernet(f));
  });
  it('bad checksums are reported, not thrown', () => {
    const d = decodeIp(buildIp({ ...base4, mistakes: { ipChecksum: 'bad', tcpChecksum: 'bad' } }));
    expect([d.ipChecksumOk, d.tcpChecksumOk]).to.deep.equal([false, false]);
    expect(d.tcp).to.not.equal(undefined);
  });
});
