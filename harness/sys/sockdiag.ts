/**
 * NETLINK_SOCK_DIAG (inet_diag) request/response codec for TCP sockets. Pure: no FFI.
 *
 * Used for what /proc/net/tcp does not show: a listener's sk_max_ack_backlog (inet_diag_msg
 * .idiag_wqueue of a LISTEN socket; /proc/net/tcp's tx_queue is write_seq - snd_una there).
 */
import { endianness } from 'os';
import { AF_INET, AF_INET6, Family, formatIPv4, formatIPv6 } from './sockaddr';
import { NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLM_F_REQUEST } from './netlink';
import { TCP_STATES } from './procnet';
import { IPPROTO_TCP } from './sockopts';

export const NETLINK_SOCK_DIAG = 4;
export const SOCK_DIAG_BY_FAMILY = 20;
const NLM_F_DUMP = 0x300;
const REQ_LEN = NLMSG_HDRLEN + 56;
const DIAG_MSG_LEN = 72;

const LE = endianness() === 'LE';
const u32 = (b: Buffer, o: number) => (LE ? b.readUInt32LE(o) : b.readUInt32BE(o));
const u16 = (b: Buffer, o: number) => (LE ? b.readUInt16LE(o) : b.readUInt16BE(o));
const i32 = (b: Buffer, o: number) => (LE ? b.readInt32LE(o) : b.readInt32BE(o));
function w32(b: Buffer, v: number, o: number) {
  if (LE) b.writeUInt32LE(v >>> 0, o);
  else b.writeUInt32BE(v >>> 0, o);
}
function w16(b: Buffer, v: number, o: number) {
  if (LE) b.writeUInt16LE(v, o);
  else b.writeUInt16BE(v, o);
}

/** Bit mask of TCP states for the request, e.g. stateMask('LISTEN'). */
export function stateMask(...names: string[]): number {
  let m = 0;
  for (const [n, name] of Object.entries(TCP_STATES)) if (names.includes(name)) m |= 1 << Number(n);
  return m >>> 0;
}

/** nlmsghdr + inet_diag_req_v2 asking for a dump of every TCP socket of `family` in `states`. */
export function buildDumpRequest(family: Family, states: number, seq = 1): Buffer {
  const b = Buffer.alloc(REQ_LEN);
  w32(b, REQ_LEN, 0);
  w16(b, SOCK_DIAG_BY_FAMILY, 4);
  w16(b, NLM_F_REQUEST | NLM_F_DUMP, 6);
  w32(b, seq, 8);
  w32(b, 0, 12);
  b[16] = family === 4 ? AF_INET : AF_INET6;
  b[17] = IPPROTO_TCP;
  b[18] = 0; // idiag_ext
  w32(b, states, 20);
  // inet_diag_sockid left zero (no filter)
  return b;
}

export interface DiagSock {
  family: Family;
  state: string;
  stateNum: number;
  local: { addr: string; port: number };
  remote: { addr: string; port: number };
  /** LISTEN: accept-queue length; otherwise unread bytes */
  rqueue: number;
  /** LISTEN: sk_max_ack_backlog; otherwise unacked bytes in the write queue */
  wqueue: number;
  timer: number;
  retrans: number;
  expires: number;
  uid: number;
  inode: number;
  ifindex: number;
}

export interface DiagParse {
  socks: DiagSock[];
  /** NLMSG_DONE seen */
  done: boolean;
  /** errno from an NLMSG_ERROR (positive), 0 if none */
  errno: number;
}

/** Parse one recv() worth of netlink messages. */
export function parseDiagMessages(buf: Buffer, into: DiagSock[] = []): DiagParse {
  let off = 0;
  let done = false;
  let errno = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = u32(buf, off);
    const type = u16(buf, off + 4);
    if (len < NLMSG_HDRLEN || off + len > buf.length) break;
    const p = off + NLMSG_HDRLEN;
    if (type === NLMSG_DONE) {
      done = true;
    } else if (type === NLMSG_ERROR) {
      errno = -i32(buf, p);
      done = true;
    } else if (type === SOCK_DIAG_BY_FAMILY && len >= NLMSG_HDRLEN + DIAG_MSG_LEN) {
      const fam = buf[p];
      const stateNum = buf[p + 1];
      const id = p + 4;
      const v6 = fam === AF_INET6;
      const sock: DiagSock = {
        family: v6 ? 6 : 4,
        state: TCP_STATES[stateNum] ?? `STATE_${stateNum}`,
        stateNum,
        local: { addr: v6 ? formatIPv6(buf, id + 4) : formatIPv4(buf, id + 4), port: buf.readUInt16BE(id) },
        remote: { addr: v6 ? formatIPv6(buf, id + 20) : formatIPv4(buf, id + 20), port: buf.readUInt16BE(id + 2) },
        ifindex: u32(buf, id + 36),
        timer: buf[p + 2],
        retrans: buf[p + 3],
        expires: u32(buf, p + 52),
        rqueue: u32(buf, p + 56),
        wqueue: u32(buf, p + 60),
        uid: u32(buf, p + 64),
        inode: u32(buf, p + 68),
      };
      into.push(sock);
    }
    off += (len + 3) & ~3;
  }
  return { socks: into, done, errno };
}
