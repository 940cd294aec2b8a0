import { expect } from 'chai';
import { buildIp } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import { ACK, CWR, ECE, PSH, SYN } from '../../../lib/wire/types';
import type { TcpOption } from '../../../lib/wire/types';
import { pdFlags, pdPacketText } from '../../../lib/packetdrill/notation';

const pkt = (flags: number, seq: number, ack: number, options: TcpOption[], len = 0) =>
  decodeIp(
    buildIp({
      ip: 4,
      src: '198.18.0.1',
      dst: '198.18.0.2',
      sport: 8080,
      dport: 40000,
      flags,
      seq,
      ack,
      window: 1000,
      urg: 0,
      options,
      payload: new Uint8Array(len),
      mistakes: {},
    }),
  );

describe('packetdrill notation of captured packets', () => {
  it('flags in packetdrill order', () => {
    expect(pdFlags(SYN | ACK)).to.equal('S.');
    expect(pdFlags(SYN | ECE | CWR)).to.equal('SEW');
    expect(pdFlags(PSH | ACK)).to.equal('P.');
  });

  it("numbers in the script's space: the DUT's relative to its ISN, acks of the peer's data relative to the peer's", () => {
    const synack = pkt(SYN | ACK, 5000, 11, [
      { kind: 'mss', value: 1460 },
      { kind: 'nop' },
      { kind: 'nop' },
      { kind: 'sackOK' },
      { kind: 'tfo', cookie: Uint8Array.from([1, 2, 3, 4]) },
      { kind: 'nop' },
      { kind: 'nop' },
    ]);
    expect(pdPacketText(synack, { dutIsn: 5000, peerIsn: 0 })).to.equal('S. 0:0(0) ack 11 win 1000 <mss 1460,nop,nop,sackOK,FO 01020304,nop,nop>');
    const data = pkt(PSH | ACK, 5001, 700 + 51, [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: 9, ecr: 8 }], 100);
    expect(pdPacketText(data, { dutIsn: 5000, peerIsn: 700 })).to.equal('P. 1:101(100) ack 51 win 1000 <nop,nop,TS val 9 ecr 8>');
    // DUT ISN not bound yet: the live number
    expect(pdPacketText(pkt(SYN, 77, 0, []), { peerIsn: 0 })).to.equal('S 77:77(0) win 1000');
  });
});
