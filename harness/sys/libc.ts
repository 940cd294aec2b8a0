/**
 * koffi bindings to libc. All FFI declarations of synharness live in this file.
 *
 * Wrappers return { ret, errno } (errno read with koffi.errno() right after the call; 0 when the
 * call succeeded), except the few helpers documented as throwing (unshareNet, enterNetns).
 */
import * as fs from 'fs';
import koffi from 'koffi';
import { ErrnoError, errnoName } from './errno';
import { IPPROTO_TCP, SOL_SOCKET } from './sockopts';
import { POLL_EVENTS } from '../../lib/case/vocab';

const lib = koffi.load('libc.so.6');

const fn = {
  socket: lib.func('int socket(int domain, int type, int protocol)'),
  bind: lib.func('int bind(int fd, const void *addr, uint32_t addrlen)'),
  listen: lib.func('int listen(int fd, int backlog)'),
  accept4: lib.func('int accept4(int fd, void *addr, void *addrlen, int flags)'),
  connect: lib.func('int connect(int fd, const void *addr, uint32_t addrlen)'),
  setsockopt: lib.func('int setsockopt(int fd, int level, int optname, const void *optval, uint32_t optlen)'),
  getsockopt: lib.func('int getsockopt(int fd, int level, int optname, void *optval, void *optlen)'),
  getsockname: lib.func('int getsockname(int fd, void *addr, void *addrlen)'),
  getpeername: lib.func('int getpeername(int fd, void *addr, void *addrlen)'),
  close: lib.func('int close(int fd)'),
  shutdown: lib.func('int shutdown(int fd, int how)'),
  send: lib.func('intptr_t send(int fd, const void *buf, size_t len, int flags)'),
  sendto: lib.func('intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)'),
  recv: lib.func('intptr_t recv(int fd, void *buf, size_t len, int flags)'),
  fcntl: lib.func('int fcntl(int fd, int cmd, ...)'),
  ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)'),
  poll: lib.func('int poll(void *fds, unsigned long nfds, int timeout)'),
  unshare: lib.func('int unshare(int flags)'),
  setns: lib.func('int setns(int fd, int nstype)'),
  prctl: lib.func('int prctl(int option, ...)'),
  getppid: lib.func('int getppid(void)'),
  getpid: lib.func('int getpid(void)'),
  gettid: lib.func('int gettid(void)'),
  strerror: lib.func('const char *strerror(int errnum)'),
  renameat2: lib.func('int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)'),
  if_nametoindex: lib.func('unsigned int if_nametoindex(const char *ifname)'),
  sched_getcpu: lib.func('int sched_getcpu(void)'),
  sched_setaffinity: lib.func('int sched_setaffinity(int pid, size_t size, const void *mask)'),
  clock_gettime: lib.func('int clock_gettime(int clk, void *ts)'),
};

// ---- constants -------------------------------------------------------------------------------

export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export { IPPROTO_TCP, SOL_SOCKET };

export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

export const MSG_OOB = 0x1;
export const MSG_PEEK = 0x2;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_MORE = 0x8000;
export const MSG_FASTOPEN = 0x20000000;

export const F_GETFL = 3;
export const F_SETFL = 4;
export const O_NONBLOCK = 0o4000;

export const POLLIN = POLL_EVENTS.POLLIN;
export const POLLPRI = POLL_EVENTS.POLLPRI;
export const POLLOUT = POLL_EVENTS.POLLOUT;
export const POLLERR = POLL_EVENTS.POLLERR;
export const POLLHUP = POLL_EVENTS.POLLHUP;
export const POLLNVAL = POLL_EVENTS.POLLNVAL;
export const POLLRDHUP = POLL_EVENTS.POLLRDHUP;

export const CLONE_NEWNET = 0x40000000;

export const PR_SET_PDEATHSIG = 1;
export const PR_GET_PDEATHSIG = 2;
export const PR_SET_NAME = 15;
export const SIGKILL = 9;

const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
export const IFF_UP = 0x1;
export const IFNAMSIZ = 16;
const IFREQ_SIZE = 40;

// ---- results ---------------------------------------------------------------------------------

export interface SysRet {
  /** raw return value (-1 on failure) */
  ret: number;
  /** errno after the call; 0 when ret >= 0 */
  errno: number;
}

function r(ret: number | bigint): SysRet {
  const n = Number(ret);
  return n < 0 ? { ret: n, errno: koffi.errno() } : { ret: n, errno: 0 };
}

export function strerror(errno: number): string {
  return String(fn.strerror(errno));
}

export { errnoName, ErrnoError };

const AT_FDCWD = -100;
const RENAME_NOREPLACE = 1;

/**
 * rename(2) that never replaces: fails with EEXIST when `to` exists (also an empty directory, which
 * plain rename silently replaces). EINVAL where the filesystem does not support the flag.
 */
export function renameNoReplace(from: string, to: string): SysRet {
  return r(fn.renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE));
}

// ---- sockets ---------------------------------------------------------------------------------

export function socket(domain: number, type: number, protocol = 0): SysRet {
  return r(fn.socket(domain, type, protocol));
}

export function bind(fd: number, addr: Buffer): SysRet {
  return r(fn.bind(fd, addr, addr.length));
}

export function listen(fd: number, backlog: number): SysRet {
  return r(fn.listen(fd, backlog));
}

export interface AddrRet extends SysRet {
  /** sockaddr bytes (truncated to the returned length) when ret >= 0 */
  addr?: Buffer;
}

/** accept4 with a 128-byte sockaddr_storage for the peer address. */
export function accept4(fd: number, flags: number): AddrRet {
  const sa = Buffer.alloc(128);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(sa.length, 0);
  const res = r(fn.accept4(fd, sa, len, flags));
  if (res.ret < 0) return res;
  return { ...res, addr: sa.subarray(0, Math.min(len.readUInt32LE(0), sa.length)) };
}

export function connect(fd: number, addr: Buffer): SysRet {
  return r(fn.connect(fd, addr, addr.length));
}

export function setsockopt(fd: number, level: number, opt: number, val: Buffer): SysRet {
  return r(fn.setsockopt(fd, level, opt, val, val.length));
}

export interface BufRet extends SysRet {
  /** output bytes (valid prefix) when ret >= 0 */
  buf?: Buffer;
}

export function getsockopt(fd: number, level: number, opt: number, size: number): BufRet {
  const val = Buffer.alloc(size);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(size, 0);
  const res = r(fn.getsockopt(fd, level, opt, val, len));
  if (res.ret < 0) return res;
  return { ...res, buf: val.subarray(0, Math.min(len.readUInt32LE(0), size)) };
}

/** The CPU the calling thread runs on. */
export function schedGetcpu(): SysRet {
  return r(fn.sched_getcpu());
}

/** Pin the calling thread (pid 0) to the CPUs in `mask` (a cpu_set_t bitmap). */
export function schedSetaffinity(mask: Buffer): SysRet {
  return r(fn.sched_setaffinity(0, mask.length, mask));
}

/** Convenience: integer socket option. */
export function getsockoptInt(fd: number, level: number, opt: number): SysRet & { value?: number } {
  const res = getsockopt(fd, level, opt, 4);
  if (res.ret < 0 || !res.buf) return res;
  return { ret: res.ret, errno: 0, value: res.buf.length >= 4 ? res.buf.readInt32LE(0) : (res.buf[0] ?? 0) };
}

function nameCall(f: (fd: number, sa: Buffer, len: Buffer) => number, fd: number): AddrRet {
  const sa = Buffer.alloc(128);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(sa.length, 0);
  const res = r(f(fd, sa, len));
  if (res.ret < 0) return res;
  return { ...res, addr: sa.subarray(0, Math.min(len.readUInt32LE(0), sa.length)) };
}

export function getsockname(fd: number): AddrRet {
  return nameCall(fn.getsockname, fd);
}

export function getpeername(fd: number): AddrRet {
  return nameCall(fn.getpeername, fd);
}

export function close(fd: number): SysRet {
  return r(fn.close(fd));
}

export function shutdown(fd: number, how: number): SysRet {
  return r(fn.shutdown(fd, how));
}

export function send(fd: number, data: Buffer, flags: number): SysRet {
  return r(fn.send(fd, data, data.length, flags));
}

export function sendto(fd: number, data: Buffer, flags: number, addr: Buffer | null): SysRet {
  return r(fn.sendto(fd, data, data.length, flags, addr, addr ? addr.length : 0));
}

export function recv(fd: number, max: number, flags: number): BufRet {
  const buf = Buffer.alloc(Math.max(0, max));
  const res = r(fn.recv(fd, buf, buf.length, flags));
  if (res.ret < 0) return res;
  return { ...res, buf: buf.subarray(0, res.ret) };
}

export function fcntl(fd: number, cmd: number, arg?: number): SysRet {
  return r(arg === undefined ? fn.fcntl(fd, cmd) : fn.fcntl(fd, cmd, 'int', arg));
}

export function setNonBlocking(fd: number): SysRet {
  const fl = fcntl(fd, F_GETFL);
  if (fl.ret < 0) return fl;
  return fcntl(fd, F_SETFL, fl.ret | O_NONBLOCK);
}

function pollfd(fd: number, events: number): Buffer {
  // struct pollfd { int fd; short events; short revents; }
  const b = Buffer.alloc(8);
  b.writeInt32LE(fd, 0);
  b.writeInt16LE(events, 4);
  return b;
}

/** Synchronous poll(2) on one fd. Only use with timeoutMs 0 on the event-loop thread. */
export function pollOne(fd: number, events: number, timeoutMs: number): SysRet & { revents: number } {
  const b = pollfd(fd, events);
  const res = r(fn.poll(b, 1, timeoutMs));
  return { ...res, revents: res.ret > 0 ? b.readInt16LE(6) & 0xffff : 0 };
}

/**
 * poll(2) on one fd via koffi's async call (runs on the libuv thread pool, so it does not block
 * the event loop, but it occupies a pool thread for up to timeoutMs). errno is not available.
 */
export function pollOneAsync(fd: number, events: number, timeoutMs: number): Promise<{ ret: number; revents: number }> {
  const b = pollfd(fd, events);
  return new Promise((resolve, reject) => {
    fn.poll.async(b, 1, timeoutMs, (err: unknown, ret: number) => {
      if (err) reject(err);
      else resolve({ ret, revents: ret > 0 ? b.readInt16LE(6) & 0xffff : 0 });
    });
  });
}

// ---- namespaces, process -----------------------------------------------------------------------

export function unshare(flags: number): SysRet {
  return r(fn.unshare(flags));
}

/**
 * Move the calling thread into a fresh network namespace (unshare(CLONE_NEWNET)).
 * Only the calling thread moves: libuv pool threads and other threads keep their namespace.
 * Throws an ErrnoError (e.g. 'unshare(CLONE_NEWNET): EPERM') on failure.
 */
export function unshareNet(): void {
  const res = unshare(CLONE_NEWNET);
  if (res.ret < 0) throw new ErrnoError('unshare(CLONE_NEWNET)', res.errno, strerror(res.errno));
}

export function setns(fd: number, nstype: number): SysRet {
  return r(fn.setns(fd, nstype));
}

/** Move the calling thread into the network namespace at `path` (e.g. /proc/<pid>/ns/net). Throws on failure. */
export function enterNetns(path: string): void {
  const fd = fs.openSync(path, 'r');
  try {
    const res = setns(fd, CLONE_NEWNET);
    if (res.ret < 0) throw new ErrnoError(`setns(${path})`, res.errno, strerror(res.errno));
  } finally {
    fs.closeSync(fd);
  }
}

export function prctl(option: number, arg2 = 0): SysRet {
  return r(fn.prctl(option, 'unsigned long', arg2, 'unsigned long', 0, 'unsigned long', 0, 'unsigned long', 0));
}

export function getppid(): number {
  return fn.getppid();
}

const timespec = Buffer.alloc(16);

/** clock_gettime(CLOCK_REALTIME) in ns. */
export function realtimeNs(): bigint {
  fn.clock_gettime(0, timespec);
  return timespec.readBigInt64LE(0) * 1_000_000_000n + timespec.readBigInt64LE(8);
}

export function getpid(): number {
  return fn.getpid();
}

export function gettid(): number {
  return fn.gettid();
}

export function ifNameToIndex(name: string): number {
  return fn.if_nametoindex(name);
}

/** ioctl(fd, request, buf) with a pointer argument (e.g. an ifreq). */
export function ioctlPtr(fd: number, request: number, buf: Buffer): SysRet {
  return r(fn.ioctl(fd, request, 'void *', buf));
}

/** Set IFF_UP on an interface of the calling thread's namespace with SIOCGIFFLAGS/SIOCSIFFLAGS. */
export function ifUp(name: string): SysRet {
  if (Buffer.byteLength(name) >= IFNAMSIZ) return { ret: -1, errno: 22 };
  const s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s.ret < 0) return s;
  try {
    const ifr = Buffer.alloc(IFREQ_SIZE);
    ifr.write(name, 0, 'utf8');
    const g = r(fn.ioctl(s.ret, SIOCGIFFLAGS, 'void *', ifr));
    if (g.ret < 0) return g;
    const flags = ifr.readUInt16LE(IFNAMSIZ);
    if (flags & IFF_UP) return { ret: 0, errno: 0 };
    ifr.writeUInt16LE(flags | IFF_UP, IFNAMSIZ);
    return r(fn.ioctl(s.ret, SIOCSIFFLAGS, 'void *', ifr));
  } finally {
    close(s.ret);
  }
}

// ---- packet sockets: rings, socket filters --------------------------------------------------------
// The bulk probe engine runs its own AF_PACKET socket with a memory-mapped receive ring and transmit
// ring (harness/capture/packet-ring.ts): a whole batch of frames goes out with one send() and the
// replies are read from shared memory, with no system call and no JS callback per frame.

const sockFprog = koffi.struct('synh_sock_fprog', { len: 'uint16_t', filter: 'void *' });

const ringFn = {
  mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)'),
  munmap: lib.func('int munmap(void *addr, size_t length)'),
  sendNothing: lib.func('intptr_t send(int fd, void *buf, size_t len, int flags)'),
  setsockoptFprog: lib.func('int setsockopt(int fd, int level, int optname, const synh_sock_fprog *optval, uint32_t optlen)'),
  getsockoptRaw: lib.func('int getsockopt(int fd, int level, int optname, void *optval, _Inout_ uint32_t *optlen)'),
};

export const AF_PACKET = 17;
export const SOCK_RAW = 3;
export const SOL_PACKET = 263;
export const SO_ATTACH_FILTER = 26;
export const SO_DETACH_FILTER = 27;
export const SO_GET_FILTER = SO_ATTACH_FILTER;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const MAP_SHARED = 0x01;

export interface Mapping {
  /** The mapping, as an ArrayBuffer over the shared memory (no copy). */
  buf: ArrayBuffer;
  ptr: unknown;
  length: number;
}

/** mmap(NULL, length, prot, flags, fd, 0) as an ArrayBuffer view; throws with errno on failure. */
export function mmapFd(fd: number, length: number, prot: number, flags: number): Mapping {
  const ptr = ringFn.mmap(null, length, prot, flags, fd, 0);
  const addr = ptr === null ? -1n : koffi.address(ptr);
  if (ptr === null || addr === 0xffffffffffffffffn) {
    const errno = koffi.errno();
    throw new ErrnoError(`mmap(fd ${fd}, ${length} bytes)`, errno, strerror(errno));
  }
  return { buf: koffi.view(ptr, length), ptr, length };
}

export function munmapFd(m: Mapping): SysRet {
  return r(ringFn.munmap(m.ptr, m.length));
}

/** send(fd, NULL, 0, flags): on a packet socket with a TX ring, transmits every frame marked for sending. */
export function sendRing(fd: number, flags: number): SysRet {
  return r(ringFn.sendNothing(fd, null, 0, flags));
}

/** Attach a classic BPF program (8-byte sock_filter instructions) with SO_ATTACH_FILTER. */
export function attachFilter(fd: number, insns: Buffer): SysRet {
  if (insns.length % 8 !== 0 || insns.length === 0) throw new Error(`attachFilter: ${insns.length} bytes is not a whole number of BPF instructions`);
  return r(ringFn.setsockoptFprog(fd, SOL_SOCKET, SO_ATTACH_FILTER, { len: insns.length / 8, filter: insns }, koffi.sizeof(sockFprog)));
}

/** The classic BPF program attached to a socket (SO_GET_FILTER), or undefined when none is. */
export function getFilter(fd: number): Buffer | undefined {
  const n = [0];
  const q = r(ringFn.getsockoptRaw(fd, SOL_SOCKET, SO_GET_FILTER, null, n));
  if (q.ret < 0) throw new ErrnoError(`getsockopt(SO_GET_FILTER) on fd ${fd}`, q.errno, strerror(q.errno));
  if (n[0] === 0) return undefined;
  const buf = Buffer.alloc(n[0] * 8);
  const len = [n[0]];
  const g = r(ringFn.getsockoptRaw(fd, SOL_SOCKET, SO_GET_FILTER, buf, len));
  if (g.ret < 0) throw new ErrnoError(`getsockopt(SO_GET_FILTER) on fd ${fd}`, g.errno, strerror(g.errno));
  return buf.subarray(0, len[0] * 8);
}
