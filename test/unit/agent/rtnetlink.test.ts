// rtnetlink request layouts (uapi linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h, neighbour.h),
// checked byte by byte against hand-assembled messages.
import { expect } from 'chai';
import {
  ackErrno,
  addrAddMsg,
  bridgeCreateMsg,
  linkDelMsg,
  linkEnslaveUpMsg,
  linkUpMsg,
  neighPermanentMsg,
  rtattr,
  routeReplaceMsg,
  vethCreateMsg,
} from '../../../harness/sys/rtnetlink';
import { isOffload } from '../../../harness/sys/ethtool';

const hex = (b: Buffer): string => b.toString('hex');
/** Walk the rtattrs of a message body: [type, payload] pairs. */
function attrs(b: Buffer, from: number): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  for (let off = from; off + 4 <= b.length;) {
    const len = b.readUInt16LE(off);
    out.push([b.readUInt16LE(off + 2), b.subarray(off + 4, off + len)]);
    off += (len + 3) & ~3;
  }
  return out;
}

describe('harness/sys/rtnetlink: request layouts', () => {
  it('rtattr pads to 4 bytes and counts only its own bytes in rta_len', () => {
    expect(hex(rtattr(3, Buffer.from('ab\0')))).to.equal('0700' + '0300' + '616200' + '00');
    expect(hex(rtattr(4, Buffer.from([1, 2, 3, 4])))).to.equal('0800' + '0400' + '01020304');
  });

  it('nlmsghdr: length of the whole message, type, REQUEST|ACK plus the request flags', () => {
    const m = addrAddMsg(7, '198.18.3.1', 24);
    expect(m.readUInt32LE(0)).to.equal(m.length);
    expect(m.readUInt16LE(4)).to.equal(20); // RTM_NEWADDR
    expect(m.readUInt16LE(6)).to.equal(0x1 | 0x4 | 0x400 | 0x200); // REQUEST | ACK | CREATE | EXCL
    // ifaddrmsg: AF_INET, /24, no flags, scope 0, index 7; then IFA_LOCAL and IFA_ADDRESS
    expect(hex(m.subarray(16, 24))).to.equal('02' + '18' + '00' + '00' + '07000000');
    expect(attrs(m, 24).map(([t, p]) => [t, hex(p)])).to.deep.equal([
      [2, 'c6120301'],
      [1, 'c6120301'],
    ]);
  });

  it('IPv6 addresses go without DAD (IFA_F_NODAD in the header and in IFA_FLAGS)', () => {
    const m = addrAddMsg(3, '2001:2:0:3::3', 128);
    expect(hex(m.subarray(16, 24))).to.equal('0a' + '80' + '02' + '00' + '03000000');
    expect(attrs(m, 24).map(([t, p]) => [t, hex(p)])).to.deep.equal([
      [1, '20010002000000030000000000000003'],
      [8, '02000000'],
    ]);
  });

  it('neighbour: ndmsg with NUD_PERMANENT, NDA_DST and NDA_LLADDR; CREATE|REPLACE', () => {
    const m = neighPermanentMsg(9, '198.18.0.2', '02:00:00:00:00:02');
    expect(m.readUInt16LE(4)).to.equal(28);
    expect(m.readUInt16LE(6)).to.equal(0x1 | 0x4 | 0x400 | 0x100);
    expect(hex(m.subarray(16, 28))).to.equal('02' + '00' + '0000' + '09000000' + '8000' + '00' + '00');
    expect(attrs(m, 28).map(([t, p]) => [t, hex(p)])).to.deep.equal([
      [1, 'c6120002'],
      [2, '020000000002'],
    ]);
    expect(() => neighPermanentMsg(9, '198.18.0.2', '02:00:00:00:02')).to.throw(/MAC/);
  });

  it('route: rtmsg for the main table, boot protocol, link scope for IPv4; RTA_DST and RTA_OIF', () => {
    const m = routeReplaceMsg('198.18.5.0/24', 4);
    expect(m.readUInt16LE(4)).to.equal(24);
    expect(hex(m.subarray(16, 28))).to.equal('02' + '18' + '00' + '00' + 'fe' + '03' + 'fd' + '01' + '00000000');
    expect(attrs(m, 28).map(([t, p]) => [t, hex(p)])).to.deep.equal([
      [1, 'c6120500'],
      [4, '04000000'],
    ]);
    expect(routeReplaceMsg('2001:2:0:5::/64', 4).readUInt8(16 + 6)).to.equal(0); // universe scope for IPv6
  });

  it('links: up/down change only IFF_UP; enslave sets IFLA_MASTER; delete by IFLA_IFNAME', () => {
    expect(hex(linkUpMsg(5).subarray(16, 32))).to.equal('00' + '00' + '0000' + '05000000' + '01000000' + '01000000');
    expect(hex(linkUpMsg(5, false).subarray(16, 32))).to.equal('00' + '00' + '0000' + '05000000' + '00000000' + '01000000');
    expect(attrs(linkEnslaveUpMsg(5, 2), 32).map(([t, p]) => [t, hex(p)])).to.deep.equal([[10, '02000000']]);
    const d = linkDelMsg('synt0');
    expect(d.readUInt16LE(4)).to.equal(17);
    expect(attrs(d, 32).map(([t, p]) => [t, p.toString('latin1')])).to.deep.equal([[3, 'synt0\0']]);
  });

  it('veth: IFLA_LINKINFO { kind "veth", data { VETH_INFO_PEER: ifinfomsg + the peer\'s name, MTU, namespace } }', () => {
    const m = vethCreateMsg({ name: 'dut0', mac: '02:00:00:00:00:01' }, { name: 'syp0-1', nsFd: 17 }, 1500);
    expect(m.readUInt16LE(6)).to.equal(0x1 | 0x4 | 0x400 | 0x200);
    const top = attrs(m, 32);
    expect(top.slice(0, 3).map(([t, p]) => [t, hex(p)])).to.deep.equal([
      [3, hex(Buffer.from('dut0\0'))],
      [1, '020000000001'],
      [4, 'dc050000'],
    ]);
    const [kind, data] = attrs(top[3][1], 0);
    expect(top[3][0]).to.equal(18);
    expect([kind[0], kind[1].toString('latin1')]).to.deep.equal([1, 'veth\0']);
    expect(data[0]).to.equal(2);
    const [peer] = attrs(data[1], 0);
    expect(peer[0]).to.equal(1);
    expect(hex(peer[1].subarray(0, 16))).to.equal('00'.repeat(16));
    expect(attrs(peer[1], 16).map(([t, p]) => [t, hex(p)])).to.deep.equal([
      [3, hex(Buffer.from('syp0-1\0'))],
      [4, 'dc050000'],
      [28, '11000000'],
    ]);
  });

  it('bridge: kind "bridge" with its MAC and MTU', () => {
    const top = attrs(bridgeCreateMsg('synt2', '02:00:00:00:02:02', 1400), 32);
    expect(top.map(([t]) => t)).to.deep.equal([3, 1, 4, 18]);
    expect(attrs(top[3][1], 0).map(([t, p]) => [t, p.toString('latin1')])).to.deep.equal([[1, 'bridge\0']]);
  });

  it('an NLMSG_ERROR for our sequence number gives its errno (0 = ACK); anything else is not our answer', () => {
    const err = (seq: number, e: number): Buffer => {
      const b = Buffer.alloc(36);
      b.writeUInt32LE(36, 0);
      b.writeUInt16LE(2, 4);
      b.writeUInt32LE(seq, 8);
      b.writeInt32LE(-e, 16);
      return b;
    };
    expect(ackErrno(err(7, 0), 7)).to.equal(0);
    expect(ackErrno(err(7, 17), 7)).to.equal(17);
    expect(ackErrno(err(6, 17), 7)).to.equal(undefined);
    expect(ackErrno(Buffer.alloc(3), 7)).to.equal(undefined);
  });
});

describe('harness/sys/ethtool: which features are offloads', () => {
  it('every checksum, segmentation and receive-coalescing feature; nothing else', () => {
    for (const n of [
      'rx-checksum',
      'tx-checksum-ipv4',
      'tx-checksum-ip-generic',
      'tx-tcp-segmentation',
      'tx-tcp-accecn-segmentation',
      'tx-generic-segmentation',
      'rx-gro',
      'rx-gro-list',
      'rx-lro',
    ]) {
      expect(isOffload(n), n).to.equal(true);
    }
    for (const n of ['tx-scatter-gather', 'highdma', 'rx-vlan-hw-parse', 'loopback', 'rx-all']) expect(isOffload(n), n).to.equal(false);
  });
});
