// A minimal rtnetlink client: the handful of requests a lab reset needs (create a veth pair across two
// namespaces, set a link up, add an address, a route, a permanent neighbour), sent over a
// NETLINK_ROUTE socket opened in the calling thread's network namespace. Replaces spawning `ip` on the
// hot path of a DUT reset: a spawn costs ~10 ms of CPU, a request here tens of microseconds.
//
// Message layouts (uapi linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h,
// linux/neighbour.h): nlmsghdr (16 bytes) + a fixed family header + rtattrs padded to 4 bytes.
// Every request asks for an ACK; the kernel handles route requests synchronously inside sendto(),
// so the ACK is already queued when sendto() returns.
import * as fs from 'fs';
import { ipv4ToBytes, ipv6ToBytes, macToBytes } from '../../lib/wire/addr';
import * as libc from './libc';
import { AF_NETLINK, NLMSG_ERROR, NLMSG_HDRLEN, NLM_F_REQUEST } from './netlink';

const NETLINK_ROUTE = 0;

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_NEWADDR = 20;
export const RTM_NEWROUTE = 24;
export const RTM_NEWNEIGH = 28;

export const NLM_F_ACK = 0x4;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;

const IFF_UP = libc.IFF_UP;
const IFLA_ADDRESS_LINK = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_MASTER = 10;
const IFLA_LINKINFO = 18;
const IFLA_NET_NS_FD = 28;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const VETH_INFO_PEER = 1;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_FLAGS = 8;
export const IFA_F_NODAD = 0x02;
const RTA_DST = 1;
const RTA_OIF = 4;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_LINK = 253;
const RTN_UNICAST = 1;
const NDA_DST = 1;
const NDA_LLADDR = 2;
export const NUD_PERMANENT = 0x80;

const align4 = (n: number): number => (n + 3) & ~3;

/** One rtattr: length, type, payload, padded to 4 bytes. */
export function rtattr(type: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(align4(4 + payload.length));
  b.writeUInt16LE(4 + payload.length, 0);
  b.writeUInt16LE(type, 2);
  b.set(payload, 4);
  return b;
}

const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return b;
};

/** nlmsghdr + body; seq is filled in by the socket. */
export function nlmsg(type: number, flags: number, body: Buffer[]): Buffer {
  const payload = Buffer.concat(body);
  const h = Buffer.alloc(NLMSG_HDRLEN);
  h.writeUInt32LE(NLMSG_HDRLEN + payload.length, 0);
  h.writeUInt16LE(type, 4);
  h.writeUInt16LE(flags | NLM_F_REQUEST | NLM_F_ACK, 6);
  return Buffer.concat([h, payload]);
}

/** struct ifinfomsg: family, pad, type, index, flags, change. */
function ifinfomsg(index: number, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags >>> 0, 8);
  b.writeUInt32LE(change >>> 0, 12);
  return b;
}

/** RTM_NEWLINK (create, exclusive): a bridge with this MAC and MTU (STP off, the kernel's default). */
export function bridgeCreateMsg(name: string, mac: string, mtu: number): Buffer {
  const linkinfo = rtattr(IFLA_LINKINFO, rtattr(IFLA_INFO_KIND, cstr('bridge')));
  return nlmsg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, [
    ifinfomsg(0),
    rtattr(IFLA_IFNAME, cstr(name)),
    rtattr(IFLA_ADDRESS_LINK, macToBytes(mac)),
    rtattr(IFLA_MTU, u32(mtu)),
    linkinfo,
  ]);
}

/** RTM_NEWLINK: set a link's MTU. */
export function linkMtuMsg(index: number, mtu: number): Buffer {
  return nlmsg(RTM_NEWLINK, 0, [ifinfomsg(index), rtattr(IFLA_MTU, u32(mtu))]);
}

/** RTM_DELLINK by name. */
export function linkDelMsg(name: string): Buffer {
  return nlmsg(RTM_DELLINK, 0, [ifinfomsg(0), rtattr(IFLA_IFNAME, cstr(name))]);
}

/** RTM_NEWLINK: make a link a port of `master` (a bridge) and set it up. */
export function linkEnslaveUpMsg(index: number, master: number): Buffer {
  return nlmsg(RTM_NEWLINK, 0, [ifinfomsg(index, IFF_UP, IFF_UP), rtattr(IFLA_MASTER, u32(master))]);
}

/** RTM_NEWLINK on an existing link: set IFF_UP (or clear it). */
export function linkUpMsg(index: number, up = true): Buffer {
  return nlmsg(RTM_NEWLINK, 0, [ifinfomsg(index, up ? IFF_UP : 0, IFF_UP)]);
}

const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'latin1');

export interface VethEnd {
  name: string;
  /** default: a random one */
  mac?: string;
  /** fd on the namespace this end goes into; default: the socket's own */
  nsFd?: number;
}

/**
 * RTM_NEWLINK (create, exclusive): a veth pair, each end with its name, MAC, MTU and namespace
 * (like `ip link add A address M mtu N netns X type veth peer name B address M2 mtu N netns Y`).
 */
export function vethCreateMsg(end: VethEnd, peer: VethEnd, mtu: number): Buffer {
  const endAttrs = (e: VethEnd): Buffer[] => [
    rtattr(IFLA_IFNAME, cstr(e.name)),
    ...(e.mac !== undefined ? [rtattr(IFLA_ADDRESS_LINK, macToBytes(e.mac))] : []),
    rtattr(IFLA_MTU, u32(mtu)),
    ...(e.nsFd !== undefined ? [rtattr(IFLA_NET_NS_FD, u32(e.nsFd))] : []),
  ];
  const peerInfo = rtattr(VETH_INFO_PEER, Buffer.concat([ifinfomsg(0), ...endAttrs(peer)]));
  const linkinfo = rtattr(IFLA_LINKINFO, Buffer.concat([rtattr(IFLA_INFO_KIND, cstr('veth')), rtattr(IFLA_INFO_DATA, peerInfo)]));
  return nlmsg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, [ifinfomsg(0), ...endAttrs(end), linkinfo]);
}

function addrBytes(addr: string): { family: 4 | 6; bytes: Uint8Array } {
  return addr.includes(':') ? { family: 6, bytes: ipv6ToBytes(addr) } : { family: 4, bytes: ipv4ToBytes(addr) };
}

const familyConst = (f: 4 | 6): number => (f === 4 ? libc.AF_INET : libc.AF_INET6);

/** RTM_NEWADDR: addr/prefixLen on a link (IPv6: without DAD, like `ip addr add … nodad`). */
export function addrAddMsg(index: number, addr: string, prefixLen: number): Buffer {
  const a = addrBytes(addr);
  const ifa = Buffer.alloc(8);
  ifa.writeUInt8(familyConst(a.family), 0);
  ifa.writeUInt8(prefixLen, 1);
  ifa.writeUInt8(a.family === 6 ? IFA_F_NODAD : 0, 2);
  ifa.writeUInt32LE(index, 4);
  const attrs =
    a.family === 4 ? [rtattr(IFA_LOCAL, a.bytes), rtattr(IFA_ADDRESS, a.bytes)] : [rtattr(IFA_ADDRESS, a.bytes), rtattr(IFA_FLAGS, u32(IFA_F_NODAD))];
  return nlmsg(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, [ifa, ...attrs]);
}

/** RTM_NEWNEIGH: a permanent neighbour entry (like `ip neigh replace … nud permanent`). */
export function neighPermanentMsg(index: number, addr: string, mac: string): Buffer {
  const a = addrBytes(addr);
  const nd = Buffer.alloc(12);
  nd.writeUInt8(familyConst(a.family), 0);
  nd.writeInt32LE(index, 4);
  nd.writeUInt16LE(NUD_PERMANENT, 8);
  const ll = macToBytes(mac);
  return nlmsg(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, [nd, rtattr(NDA_DST, a.bytes), rtattr(NDA_LLADDR, ll)]);
}

/** RTM_NEWROUTE (replace): `prefix` (a.b.c.d/n or x::/n) out of link `index`, main table. */
export function routeReplaceMsg(prefix: string, index: number): Buffer {
  const [addr, len] = prefix.split('/');
  const a = addrBytes(addr);
  const rtm = Buffer.alloc(12);
  rtm.writeUInt8(familyConst(a.family), 0);
  rtm.writeUInt8(Number(len), 1);
  rtm.writeUInt8(RT_TABLE_MAIN, 4);
  rtm.writeUInt8(RTPROT_BOOT, 5);
  rtm.writeUInt8(a.family === 4 ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE, 6);
  rtm.writeUInt8(RTN_UNICAST, 7);
  return nlmsg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, [rtm, rtattr(RTA_DST, a.bytes), rtattr(RTA_OIF, u32(index))]);
}

/** The errno of an NLMSG_ERROR reply (0 = ACK), or undefined if `buf` is not one for `seq`. */
export function ackErrno(buf: Uint8Array, seq: number): number | undefined {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let off = 0; off + NLMSG_HDRLEN <= b.length;) {
    const len = b.readUInt32LE(off);
    if (len < NLMSG_HDRLEN) return undefined;
    // nlmsgerr: the (negative) errno right after the header.
    if (b.readUInt16LE(off + 4) === NLMSG_ERROR && b.readUInt32LE(off + 8) === seq && off + NLMSG_HDRLEN + 4 <= b.length)
      return -b.readInt32LE(off + NLMSG_HDRLEN);
    off += align4(len);
  }
  return undefined;
}

export class NetlinkError extends Error {
  constructor(
    readonly what: string,
    readonly errno: number,
  ) {
    super(`rtnetlink ${what}: ${libc.errnoName(errno)} (${libc.strerror(errno)})`);
    this.name = 'NetlinkError';
  }
}

/**
 * A NETLINK_ROUTE socket in the calling thread's network namespace (the namespace is fixed when the
 * socket is created; later setns() calls of the thread do not move it). Refuses to open in the
 * namespace of PID 1, so no request of ours can ever reach the host's links.
 */
export class RtNetlink {
  private seq = 1;
  private constructor(private fd: number) {}

  static open(): RtNetlink {
    const here = fs.readlinkSync('/proc/thread-self/ns/net');
    let init: string | undefined;
    try {
      init = fs.readlinkSync('/proc/1/ns/net');
    } catch {
      /* no access to PID 1: nothing to compare with */
    }
    if (here === init) throw new Error('refusing to open an rtnetlink socket in the host network namespace (the namespace of PID 1)');
    const s = libc.socket(AF_NETLINK, libc.SOCK_RAW | libc.SOCK_CLOEXEC, NETLINK_ROUTE);
    if (s.ret < 0) throw new NetlinkError('socket', s.errno);
    return new RtNetlink(s.ret);
  }

  /** Send one request and wait for its ACK; throws NetlinkError on a negative one. */
  request(what: string, msg: Buffer): void {
    if (this.fd < 0) throw new Error('rtnetlink socket is closed');
    const seq = this.seq++;
    msg.writeUInt32LE(seq, 8);
    const kernel = Buffer.alloc(12);
    kernel.writeUInt16LE(AF_NETLINK, 0);
    const s = libc.sendto(this.fd, msg, 0, kernel);
    if (s.ret < 0) throw new NetlinkError(what, s.errno);
    for (;;) {
      // The ACK is queued before sendto() returns; a short blocking wait covers anything else.
      const p = libc.pollOne(this.fd, libc.POLLIN, 1000);
      if (p.ret === 0) throw new Error(`rtnetlink ${what}: no acknowledgement within 1 s`);
      const r = libc.recv(this.fd, 8192, libc.MSG_DONTWAIT);
      if (r.ret < 0) throw new NetlinkError(`${what} (recv)`, r.errno);
      const e = ackErrno(r.buf ?? Buffer.alloc(0), seq);
      if (e === undefined) continue;
      if (e !== 0) throw new NetlinkError(what, e);
      return;
    }
  }

  close(): void {
    if (this.fd >= 0) libc.close(this.fd);
    this.fd = -1;
  }
}
