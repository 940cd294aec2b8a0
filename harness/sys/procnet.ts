/**
 * Parsers for /proc/net/tcp, /proc/net/tcp6, /proc/net/snmp, /proc/net/netstat, /proc/net/snmp6.
 * Pure: text in, objects out.
 */
import { endianness } from 'os';
import { canonicalAddr, Family, formatIPv4, formatIPv6, unmapV4 } from './sockaddr';

/** include/net/tcp_states.h */
export const TCP_STATES: Readonly<Record<number, string>> = {
  1: 'ESTABLISHED',
  2: 'SYN_SENT',
  3: 'SYN_RECV',
  4: 'FIN_WAIT1',
  5: 'FIN_WAIT2',
  6: 'TIME_WAIT',
  7: 'CLOSE',
  8: 'CLOSE_WAIT',
  9: 'LAST_ACK',
  10: 'LISTEN',
  11: 'CLOSING',
  12: 'NEW_SYN_RECV',
  13: 'BOUND_INACTIVE',
};

export interface Endpoint {
  addr: string;
  port: number;
}

export interface TcpRow {
  family: Family;
  sl: number;
  local: Endpoint;
  remote: Endpoint;
  state: string;
  stateNum: number;
  /** write_seq - snd_una (0 for LISTEN rows: the kernel does not print the max backlog here) */
  txQueue: number;
  /** LISTEN: current accept-queue length (sk_ack_backlog); otherwise unread bytes */
  rxQueue: number;
  /** 0 none, 1 retransmit/probe/loss-probe, 2 keepalive, 3 TIME_WAIT, 4 zero-window probe */
  timerActive: number;
  /** jiffies until the timer fires (clock_t units) */
  timerWhen: number;
  /** icsk_retransmits (for SYN_RECV rows: the request's num_timeout) */
  retransmits: number;
  uid: number;
  /** icsk_probes_out (0 for request/TIME_WAIT rows) */
  timeout: number;
  inode: number;
  /** remaining raw fields after inode (refcnt, pointer, rto, ato, quickack/pingpong, cwnd, ssthresh) */
  extra: string[];
}

const LE = endianness() === 'LE';

/** /proc/net/tcp prints each 32-bit word of the address in host byte order as %08X. */
function word(hex: string, i: number): Buffer {
  const b = Buffer.from(hex.slice(i * 8, i * 8 + 8), 'hex');
  if (LE) b.reverse();
  return b;
}

export function parseProcAddr(field: string): Endpoint & { family: Family } {
  const [hex, portHex] = field.split(':');
  if (portHex === undefined) throw new TypeError(`bad /proc/net/tcp address ${JSON.stringify(field)}`);
  const port = parseInt(portHex, 16);
  if (hex.length === 8) return { family: 4, addr: formatIPv4(word(hex, 0)), port };
  if (hex.length === 32) {
    const b = Buffer.concat([0, 1, 2, 3].map((i) => word(hex, i)));
    return { family: 6, addr: formatIPv6(b), port };
  }
  throw new TypeError(`bad /proc/net/tcp address ${JSON.stringify(field)}`);
}

/** Parse the full text of /proc/net/tcp or /proc/net/tcp6 (header line skipped). */
export function parseProcNetTcp(text: string): TcpRow[] {
  const rows: TcpRow[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('sl')) continue;
    const f = t.split(/\s+/);
    if (f.length < 10) continue;
    const local = parseProcAddr(f[1]);
    const remote = parseProcAddr(f[2]);
    const stateNum = parseInt(f[3], 16);
    const [tx, rx] = f[4].split(':');
    const [tr, tm] = f[5].split(':');
    rows.push({
      family: local.family,
      sl: parseInt(f[0], 10),
      local: { addr: local.addr, port: local.port },
      remote: { addr: remote.addr, port: remote.port },
      state: TCP_STATES[stateNum] ?? `STATE_${stateNum}`,
      stateNum,
      txQueue: parseInt(tx, 16),
      rxQueue: parseInt(rx, 16),
      timerActive: parseInt(tr, 16),
      timerWhen: parseInt(tm, 16),
      retransmits: parseInt(f[6], 16),
      uid: parseInt(f[7], 10),
      timeout: parseInt(f[8], 10),
      inode: parseInt(f[9], 10),
      extra: f.slice(10),
    });
  }
  return rows;
}

/** Address comparison that treats ::ffff:a.b.c.d == a.b.c.d and accepts any textual IPv6 form. */
export function sameAddr(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return unmapV4(canonicalAddr(a)) === unmapV4(canonicalAddr(b));
  } catch {
    return false;
  }
}

export function matchEndpoint(e: Endpoint, want: Partial<Endpoint> | undefined): boolean {
  if (!want) return true;
  if (want.port !== undefined && e.port !== want.port) return false;
  if (want.addr !== undefined && !sameAddr(e.addr, want.addr)) return false;
  return true;
}

export interface StateLookup {
  /** state of the best matching row ('none' if no row matches) */
  state: string;
  /** every matching row's state (e.g. a TIME_WAIT and a fresh SYN_RECV for the same 4-tuple) */
  states: string[];
  rows: TcpRow[];
}

/**
 * Find the socket(s) with the given local/remote endpoints. A non-TIME_WAIT row is preferred
 * when several match.
 */
export function lookupState(rows: TcpRow[], local: Partial<Endpoint>, remote?: Partial<Endpoint>): StateLookup {
  const m = rows.filter((r) => matchEndpoint(r.local, local) && matchEndpoint(r.remote, remote));
  const best = m.find((r) => r.state !== 'TIME_WAIT') ?? m[0];
  return { state: best ? best.state : 'none', states: m.map((r) => r.state), rows: m };
}

export interface ListenQueue {
  /** current accept-queue length (sk_ack_backlog) */
  acceptq: number;
  /** sk_max_ack_backlog; -1 when unknown (the agent reads it via inet_diag; /proc/net/tcp lacks it) */
  max: number;
  listeners: Array<{ addr: string; port: number; acceptq: number; max: number; family: Family }>;
}

/**
 * LISTEN rows on `port` (and `addr` if given); acceptq from the first one, or null if none.
 * /proc/net/tcp does not carry sk_max_ack_backlog (tx_queue is write_seq - snd_una), so max = -1.
 */
export function lookupListenQueue(rows: TcpRow[], port: number, addr?: string): ListenQueue | null {
  const l = rows.filter((r) => r.state === 'LISTEN' && r.local.port === port && (addr === undefined || sameAddr(r.local.addr, addr)));
  if (l.length === 0) return null;
  return {
    acceptq: l[0].rxQueue,
    max: -1,
    listeners: l.map((r) => ({ addr: r.local.addr, port: r.local.port, acceptq: r.rxQueue, max: -1, family: r.family })),
  };
}

/**
 * Parse /proc/net/snmp or /proc/net/netstat ("Prefix: Name1 Name2…" / "Prefix: v1 v2…" line pairs)
 * into { PrefixName: value }, e.g. TcpExtListenDrops, TcpInSegs, IpExtInOctets.
 */
export function parseSnmpPairs(text: string, into: Record<string, number> = {}): Record<string, number> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const h = lines[i];
    const v = lines[i + 1];
    const hc = h.indexOf(':');
    const vc = v.indexOf(':');
    const prefix = h.slice(0, hc);
    if (hc < 0 || vc < 0 || v.slice(0, vc) !== prefix) {
      // out of step: resynchronise on the next line
      i -= 1;
      continue;
    }
    const names = h
      .slice(hc + 1)
      .trim()
      .split(/\s+/);
    const vals = v
      .slice(vc + 1)
      .trim()
      .split(/\s+/);
    names.forEach((n, k) => {
      if (vals[k] !== undefined) into[prefix + n] = Number(vals[k]);
    });
  }
  return into;
}

/** Parse /proc/net/snmp6 ("Name value" per line). */
export function parseSnmp6(text: string, into: Record<string, number> = {}): Record<string, number> {
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 2 && f[0]) into[f[0]] = Number(f[1]);
  }
  return into;
}
