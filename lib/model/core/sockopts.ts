// Socket options the model honours, and their kernel-side normalisation (spec §4.6, §4.7, §4.10, §4.11).

export interface SockOpts {
  /** TCP_MAXSEG (user_mss). */
  maxseg?: number;
  /** SO_RCVBUF as passed to setsockopt (the kernel doubles it, capped by rmem_max). */
  rcvbuf?: number;
  /** TCP_WINDOW_CLAMP. */
  windowClamp?: number;
  /** TCP_FASTOPEN queue length (server). */
  fastopen?: number;
  /** TCP_DEFER_ACCEPT in seconds. */
  deferAccept?: number;
  /** TCP_SYNCNT. */
  syncnt?: number;
  /** IP_TOS (ECN bits are ignored on TCP sockets [inferred]). */
  tos?: number;
  /** IP_TTL / IPV6_UNICAST_HOPS. */
  ttl?: number;
  /** IPV6_TCLASS. */
  tclass?: number;
  /** SO_REUSEPORT (no effect on the model's single listener). */
  reuseport?: boolean;
  /** Peers for which a TCP_MD5SIG key is installed. */
  md5Peers?: string[];
  /** TCP_FASTOPEN_CONNECT (client): connect() defers the SYN to the first write when a cookie is at hand (§8.7). */
  fastopenConnect?: number;
  /** TCP_FASTOPEN_NO_COOKIE (client): data in the SYN without a cookie (§8.7). */
  fastopenNoCookie?: number;
  /** TCP_FASTOPEN_KEY: 32 hex digits (the primary key) or 64 (primary, then backup), as setsockopt takes them. */
  fastopenKey?: string;
}

/** A TCP_FASTOPEN_KEY value as the model keeps it (lower-case hex), or an error saying what is wrong. */
export function parseFastopenKey(raw: string): string {
  const hex = raw.trim().toLowerCase().replace(/^0x/, '');
  if (!/^([0-9a-f]{32}|[0-9a-f]{64})$/.test(hex))
    throw new Error(`TCP_FASTOPEN_KEY: "${raw}" is not 16 or 32 bytes of hex (a primary key, or a primary and a backup key)`);
  return hex;
}

/** SOCK_MIN_RCVBUF on x86_64 [inferred]. */
export const SOCK_MIN_RCVBUF = 4608;

/** sk_rcvbuf after SO_RCVBUF=v: 2 × min(v, rmem_max), at least SOCK_MIN_RCVBUF. §4.7 */
export function rcvbufFromSockopt(v: number, rmemMax: number): number {
  return Math.max(SOCK_MIN_RCVBUF, 2 * Math.min(v, rmemMax));
}

/**
 * TCP_DEFER_ACCEPT seconds → retransmission count (secs_to_retrans with 1 s initial timeout,
 * doubling, capped at 120 s). 3 s → 2 (spec §4.11).
 */
export function deferSecondsToRetrans(seconds: number): number {
  if (!(seconds > 0)) return 0;
  let res = 1;
  let timeout = 1;
  let period = 1;
  while (seconds > period && res < 255) {
    res++;
    timeout <<= 1;
    if (timeout > 120) timeout = 120;
    period += timeout;
  }
  return res;
}

/** Sockopt names as the CLI spells them → SockOpts keys. */
export const SOCKOPT_NAMES: Readonly<Record<string, keyof SockOpts>> = {
  TCP_MAXSEG: 'maxseg',
  SO_RCVBUF: 'rcvbuf',
  TCP_WINDOW_CLAMP: 'windowClamp',
  TCP_FASTOPEN: 'fastopen',
  TCP_DEFER_ACCEPT: 'deferAccept',
  TCP_SYNCNT: 'syncnt',
  IP_TOS: 'tos',
  IP_TTL: 'ttl',
  IPV6_UNICAST_HOPS: 'ttl',
  IPV6_TCLASS: 'tclass',
  SO_REUSEPORT: 'reuseport',
  TCP_FASTOPEN_KEY: 'fastopenKey',
  TCP_FASTOPEN_CONNECT: 'fastopenConnect',
  TCP_FASTOPEN_NO_COOKIE: 'fastopenNoCookie',
};

export function parseSockopts(o: Record<string, string> | undefined): SockOpts {
  const out: SockOpts = {};
  if (!o) return out;
  for (const name of Object.keys(o)) {
    const key = SOCKOPT_NAMES[name.toUpperCase()] ?? (name as keyof SockOpts);
    const raw = o[name].trim();
    if (key === 'reuseport') {
      out.reuseport = raw !== '0' && raw !== 'false';
      continue;
    }
    if (key === 'md5Peers') {
      out.md5Peers = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      continue;
    }
    if (key === 'fastopenKey') {
      out.fastopenKey = parseFastopenKey(raw);
      continue;
    }
    if (!['maxseg', 'rcvbuf', 'windowClamp', 'fastopen', 'deferAccept', 'syncnt', 'tos', 'ttl', 'tclass'].includes(key)) {
      throw new Error(`unknown socket option "${name}": valid names are ${Object.keys(SOCKOPT_NAMES).join(', ')}`);
    }
    const v = /^0x[0-9a-f]+$/i.test(raw) ? parseInt(raw, 16) : Number(raw);
    if (!Number.isInteger(v) || v < 0) throw new Error(`socket option ${name}: "${raw}" is not a non-negative integer`);
    (out as Record<string, number>)[key] = v;
  }
  return out;
}
