/**
 * Linux errno numbers <-> names (x86_64 / arm64 / generic asm-generic/errno*.h).
 * Pure: no FFI here, so it can be unit-tested and used by the client side.
 */

/** Canonical name for each number (first name wins: EAGAIN not EWOULDBLOCK, EOPNOTSUPP not ENOTSUP). */
const TABLE: ReadonlyArray<readonly [string, number]> = [
  ['EPERM', 1],
  ['ENOENT', 2],
  ['ESRCH', 3],
  ['EINTR', 4],
  ['EIO', 5],
  ['ENXIO', 6],
  ['E2BIG', 7],
  ['ENOEXEC', 8],
  ['EBADF', 9],
  ['ECHILD', 10],
  ['EAGAIN', 11],
  ['ENOMEM', 12],
  ['EACCES', 13],
  ['EFAULT', 14],
  ['ENOTBLK', 15],
  ['EBUSY', 16],
  ['EEXIST', 17],
  ['EXDEV', 18],
  ['ENODEV', 19],
  ['ENOTDIR', 20],
  ['EISDIR', 21],
  ['EINVAL', 22],
  ['ENFILE', 23],
  ['EMFILE', 24],
  ['ENOTTY', 25],
  ['ETXTBSY', 26],
  ['EFBIG', 27],
  ['ENOSPC', 28],
  ['ESPIPE', 29],
  ['EROFS', 30],
  ['EMLINK', 31],
  ['EPIPE', 32],
  ['EDOM', 33],
  ['ERANGE', 34],
  ['EDEADLK', 35],
  ['ENAMETOOLONG', 36],
  ['ENOLCK', 37],
  ['ENOSYS', 38],
  ['ENOTEMPTY', 39],
  ['ELOOP', 40],
  ['ENOMSG', 42],
  ['EIDRM', 43],
  ['ENOSTR', 60],
  ['ENODATA', 61],
  ['ETIME', 62],
  ['ENOSR', 63],
  ['ENOLINK', 67],
  ['EPROTO', 71],
  ['EBADMSG', 74],
  ['EOVERFLOW', 75],
  ['EBADFD', 77],
  ['EILSEQ', 84],
  ['ERESTART', 85],
  ['EUSERS', 87],
  ['ENOTSOCK', 88],
  ['EDESTADDRREQ', 89],
  ['EMSGSIZE', 90],
  ['EPROTOTYPE', 91],
  ['ENOPROTOOPT', 92],
  ['EPROTONOSUPPORT', 93],
  ['ESOCKTNOSUPPORT', 94],
  ['EOPNOTSUPP', 95],
  ['EPFNOSUPPORT', 96],
  ['EAFNOSUPPORT', 97],
  ['EADDRINUSE', 98],
  ['EADDRNOTAVAIL', 99],
  ['ENETDOWN', 100],
  ['ENETUNREACH', 101],
  ['ENETRESET', 102],
  ['ECONNABORTED', 103],
  ['ECONNRESET', 104],
  ['ENOBUFS', 105],
  ['EISCONN', 106],
  ['ENOTCONN', 107],
  ['ESHUTDOWN', 108],
  ['ETOOMANYREFS', 109],
  ['ETIMEDOUT', 110],
  ['ECONNREFUSED', 111],
  ['EHOSTDOWN', 112],
  ['EHOSTUNREACH', 113],
  ['EALREADY', 114],
  ['EINPROGRESS', 115],
  ['ESTALE', 116],
  ['EDQUOT', 122],
  ['ECANCELED', 125],
  ['ENOKEY', 126],
  ['EKEYEXPIRED', 127],
  ['EKEYREVOKED', 128],
  ['EKEYREJECTED', 129],
];

const ALIASES: ReadonlyArray<readonly [string, number]> = [
  ['EWOULDBLOCK', 11],
  ['EDEADLOCK', 35],
  ['ENOTSUP', 95],
];

const BY_NUMBER = new Map<number, string>();
const BY_NAME = new Map<string, number>();
for (const [name, n] of TABLE) {
  BY_NUMBER.set(n, name);
  BY_NAME.set(name, n);
}
for (const [name, n] of ALIASES) BY_NAME.set(name, n);

/** Frequently used errno constants. */
export const E = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  ENODEV: 19,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  EINVAL: 22,
  EPIPE: 32,
  ENOTSOCK: 88,
  ENOPROTOOPT: 92,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
} as const;

/** 'EAGAIN' for 11; '' for 0; 'E<n>' for numbers not in the table. */
export function errnoName(n: number): string {
  if (n === 0) return '';
  return BY_NUMBER.get(n) ?? `E${n}`;
}

/** Number for a name (aliases accepted); undefined if unknown. Accepts 'E<n>' as produced by errnoName. */
export function errnoNumber(name: string): number | undefined {
  const n = BY_NAME.get(name);
  if (n !== undefined) return n;
  const m = /^E(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** All canonical [name, number] pairs. */
export function errnoTable(): ReadonlyArray<readonly [string, number]> {
  return TABLE;
}

/** Error carrying an errno, thrown by the libc helpers that throw (e.g. unshareNet). */
export class ErrnoError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  constructor(syscall: string, errno: number, detail?: string) {
    super(`${syscall}: ${errnoName(errno) || 'OK'}${detail ? ` (${detail})` : ''}`);
    this.name = 'ErrnoError';
    this.errno = errno;
    this.code = errnoName(errno);
    this.syscall = syscall;
  }
}
