import { expect } from 'chai';
import { fromHex } from '../../../lib/wire/bytes';
import { buildIp, PacketSpec } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import { formatPacket, toPacketJson } from '../../../lib/wire/summary';
import { parseOptionSpec } from '../../../lib/wire/tcp-options';

const synack: PacketSpec = {
  ip: 4,
  src: '198.18.0.1',
  dst: '198.18.0.2',
  sport: 8080,
  dport: 40000,
  seq: 123,
  ack: 1001,
  flags: 'SA',
  window: 65160,
  options: parseOptionSpec('mss=1460,sackOK,ts=5:100,nop,wscale=10'),
};

describe('wire/summary', () => {
  it('toPacketJson of an IPv4 SYN-ACK', () => {
    expect(toPacketJson(decodeIp(buildIp(synack)))).to.deep.equal({
      ip: { ttl: 64, tos: 0, df: true, id: 0 },
      tcp: {
        sport: 8080,
        dport: 40000,
        seq: 123,
        ack: 1001,
        flags: 'SA',
        window: 65160,
        urg: 0,
        options: [['mss', 1460], ['sackOK'], ['ts', 5, 100], ['nop'], ['wscale', 10]],
      },
    });
  });
  it('toPacketJson of IPv6 with payload: len present; EOL kept, zero padding dropped', () => {
    const j = toPacketJson(
      decodeIp(
        buildIp({
          ip: 6,
          src: '2001:db8::1',
          dst: '2001:db8::2',
          sport: 1,
          dport: 2,
          tclass: 2,
          flow: 5,
          hlim: 9,
          flags: 'PA',
          options: parseOptionSpec('mss=1000,wscale=2'),
          payload: fromHex('616263'),
        }),
      ),
    )!;
    expect(j.ip).to.deep.equal({ hlim: 9, tclass: 2, flow: 5 });
    expect(j.tcp.options).to.deep.equal([['mss', 1000], ['wscale', 2], ['eol']]);
    expect(j.tcp.len).to.equal(3);
    expect(j.tcp.flags).to.equal('PA');
  });
  it('toPacketJson is undefined without IP+TCP', () => {
    expect(toPacketJson(decodeIp(fromHex('4500')))).to.equal(undefined);
  });
  it('formatPacket: the tcpdump-like line', () => {
    expect(formatPacket(decodeIp(buildIp({ ...synack, tos: 0x28 })))).to.equal(
      'IP tos 0x28 ttl 64 id 0 DF 198.18.0.1.8080 > 198.18.0.2.40000: Flags [SA] seq 123 ack 1001 win 65160 ' +
        'options [mss 1460,sackOK,TS val 5 ecr 100,nop,wscale 10] length 0',
    );
  });
  it('formatPacket: IPv6, urg without U, reserved bits, odd options, bad checksum and notes', () => {
    const d = decodeIp(
      buildIp({
        ip: 6,
        src: '2001:db8::1',
        dst: '2001:db8::2',
        sport: 1,
        dport: 2,
        flags: 'S',
        urg: 9,
        options: parseOptionSpec('tfo,tfoexp=aabb,kind=99:ab,sack=1:2,raw=0801'),
        mistakes: { reservedBits: 2, tcpChecksum: 'bad' },
      }),
    );
    expect(formatPacket(d)).to.equal(
      'IP6 tclass 0x0 flow 0x0 hlim 64 2001:db8::1.1 > 2001:db8::2.2: Flags [S] res 0x2 seq 0 win 64240 urg 9 ' +
        'options [tfo cookiereq,exp-tfo cookie aabb,unknown-99 0xab,sack 1 {1:2},raw 080100] length 0 ' +
        `[bad tcp cksum 0x${d.tcp!.checksum.toString(16)}] [options@81: option kind 8 with silly length 1]`,
    );
  });
  it('formatPacket without TCP', () => {
    const b = buildIp({ ip: 4, src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2 });
    b[9] = 17;
    expect(formatPacket(decodeIp(b))).to.equal(
      'IP tos 0x0 ttl 64 id 0 DF 10.0.0.1 > 10.0.0.2: proto 17 raw 20 bytes [bad ip cksum 0x' +
        `${((b[10] << 8) | b[11]).toString(16)}] [ip@20: IP protocol 17 is not TCP]`,
    );
    expect(formatPacket(decodeIp(new Uint8Array(0)))).to.equal('0 bytes [ip@0: empty packet]');
  });
});
