// TCP_INFO assertions (AssertStep.tcpInfo): the fields a check may name, and its evaluation against the
// values a getsockopt(TCP_INFO) returned. Pure.
import type { InfoExpr } from './types';

/** A problem in a TCP_INFO expression at `offset` in its text; `unsupported`: a name it does not know. */
export class InfoExprError extends Error {
  constructor(
    readonly offset: number,
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

interface Tok {
  t: string;
  /** offset in the expression's text */
  at: number;
}

const CMP = new Set(['==', '!=', '<', '<=', '>', '>=']);

/**
 * An expression over TCP_INFO fields, as packetdrill's %{ assert … }% and case files write it:
 * tcpi_* fields, integers, the TCPI_OPT_* / TCP_CA_* / TCP_<state> constants, & | + - *, comparisons
 * (chained), not / and / or, parentheses. Throws InfoExprError.
 */
export function parseInfoExpr(text: string): InfoExpr {
  return new InfoParser(lex(text), text.length).parse();
}

/** struct tcp_info fields (linux/tcp.h) a check may name, in the kernel's order. */
export const TCP_INFO_FIELDS = [
  'tcpi_state',
  'tcpi_ca_state',
  'tcpi_retransmits',
  'tcpi_probes',
  'tcpi_backoff',
  'tcpi_options',
  'tcpi_snd_wscale',
  'tcpi_rcv_wscale',
  'tcpi_rto',
  'tcpi_ato',
  'tcpi_snd_mss',
  'tcpi_rcv_mss',
  'tcpi_unacked',
  'tcpi_sacked',
  'tcpi_lost',
  'tcpi_retrans',
  'tcpi_fackets',
  'tcpi_last_data_sent',
  'tcpi_last_ack_sent',
  'tcpi_last_data_recv',
  'tcpi_last_ack_recv',
  'tcpi_pmtu',
  'tcpi_rcv_ssthresh',
  'tcpi_rtt',
  'tcpi_rttvar',
  'tcpi_snd_ssthresh',
  'tcpi_snd_cwnd',
  'tcpi_advmss',
  'tcpi_reordering',
  'tcpi_rcv_rtt',
  'tcpi_rcv_space',
  'tcpi_total_retrans',
  'tcpi_segs_out',
  'tcpi_segs_in',
  'tcpi_notsent_bytes',
  'tcpi_min_rtt',
  'tcpi_data_segs_in',
  'tcpi_data_segs_out',
  'tcpi_delivered',
  'tcpi_delivered_ce',
] as const;
export type TcpInfoField = (typeof TCP_INFO_FIELDS)[number];

/** The fields that are times the kernel measured (an RTT from the harness's own sends, the time since a packet): a busy harness moves them. */
export const TCP_INFO_TIME_FIELDS: ReadonlySet<string> = new Set<TcpInfoField>([
  'tcpi_rto',
  'tcpi_ato',
  'tcpi_last_data_sent',
  'tcpi_last_ack_sent',
  'tcpi_last_data_recv',
  'tcpi_last_ack_recv',
  'tcpi_rtt',
  'tcpi_rttvar',
  'tcpi_rcv_rtt',
  'tcpi_min_rtt',
]);

/** The constants of linux/tcp.h and net/tcp_states.h that packetdrill's checks use by name. */
export const TCP_INFO_CONSTANTS: Readonly<Record<string, number>> = {
  TCPI_OPT_TIMESTAMPS: 1,
  TCPI_OPT_SACK: 2,
  TCPI_OPT_WSCALE: 4,
  TCPI_OPT_ECN: 8,
  TCPI_OPT_ECN_SEEN: 16,
  TCPI_OPT_SYN_DATA: 32,
  TCPI_OPT_USEC_TS: 64,
  TCP_CA_Open: 0,
  TCP_CA_Disorder: 1,
  TCP_CA_CWR: 2,
  TCP_CA_Recovery: 3,
  TCP_CA_Loss: 4,
  TCP_ESTABLISHED: 1,
  TCP_SYN_SENT: 2,
  TCP_SYN_RECV: 3,
  TCP_FIN_WAIT1: 4,
  TCP_FIN_WAIT2: 5,
  TCP_TIME_WAIT: 6,
  TCP_CLOSE: 7,
  TCP_CLOSE_WAIT: 8,
  TCP_LAST_ACK: 9,
  TCP_LISTEN: 10,
  TCP_CLOSING: 11,
  TCP_NEW_SYN_RECV: 12,
};

/** `tcpi_snd_cwnd` → `sndCwnd`: the key of the agent's decoded TCP_INFO. */
export function tcpInfoKey(field: string): string {
  return field.replace(/^tcpi_/, '').replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The value of `e` over `info` (fields by tcpi_ name); comparisons and logic give 1 or 0. */
export function evalInfo(e: InfoExpr, info: (field: string) => number): number {
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'field':
      return info(e.name);
    case 'not':
      return evalInfo(e.e, info) ? 0 : 1;
    case 'and':
      return evalInfo(e.l, info) && evalInfo(e.r, info) ? 1 : 0;
    case 'or':
      return evalInfo(e.l, info) || evalInfo(e.r, info) ? 1 : 0;
    case 'bin':
      return binop(e.op, evalInfo(e.l, info), evalInfo(e.r, info));
    case 'cmp': {
      const v = e.items.map((x) => evalInfo(x, info));
      return e.ops.every((op, i) => cmp(op, v[i], v[i + 1])) ? 1 : 0;
    }
  }
}

function binop(op: '&' | '|' | '+' | '-' | '*', l: number, r: number): number {
  switch (op) {
    case '&':
      return Number(BigInt(l) & BigInt(r));
    case '|':
      return Number(BigInt(l) | BigInt(r));
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
  }
}

function cmp(op: string, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

/** The fields an expression reads, in order of first use. */
export function infoFields(e: InfoExpr, out: string[] = []): string[] {
  switch (e.kind) {
    case 'field':
      if (!out.includes(e.name)) out.push(e.name);
      break;
    case 'not':
      infoFields(e.e, out);
      break;
    case 'and':
    case 'or':
    case 'bin':
      infoFields(e.l, out);
      infoFields(e.r, out);
      break;
    case 'cmp':
      for (const x of e.items) infoFields(x, out);
      break;
    default:
      break;
  }
  return out;
}

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(0x[0-9a-fA-F]+|[0-9]+|[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|[<>&|+\-*()])/y;
  let i = 0;
  while (i < s.length) {
    if (/^\s*$/.test(s.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) {
      const j = i + (s.slice(i).length - s.slice(i).trimStart().length);
      throw new InfoExprError(j, `unexpected '${s[j]}' — use tcpi_* fields, integers, & | + - *, comparisons, not/and/or`);
    }
    out.push({ t: m[1], at: i + (m[0].length - m[1].length) });
    i = re.lastIndex;
  }
  return out;
}

class InfoParser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly end: number,
  ) {}

  private get cur(): Tok | undefined {
    return this.toks[this.i];
  }
  private fail(msg: string): never {
    throw new InfoExprError(this.cur?.at ?? this.end, msg);
  }

  parse(): InfoExpr {
    const e = this.or();
    if (this.cur) this.fail(`unexpected '${this.cur.t}' after the expression`);
    return e;
  }
  private or(): InfoExpr {
    let l = this.and();
    while (this.cur?.t === 'or') {
      this.i++;
      l = { kind: 'or', l, r: this.and() };
    }
    return l;
  }
  private and(): InfoExpr {
    let l = this.not();
    while (this.cur?.t === 'and') {
      this.i++;
      l = { kind: 'and', l, r: this.not() };
    }
    return l;
  }
  private not(): InfoExpr {
    if (this.cur?.t === 'not') {
      this.i++;
      return { kind: 'not', e: this.not() };
    }
    return this.comparison();
  }
  private comparison(): InfoExpr {
    const first = this.bitor();
    if (!this.cur || !CMP.has(this.cur.t)) return first;
    const items = [first];
    const ops: Array<'==' | '!=' | '<' | '<=' | '>' | '>='> = [];
    while (this.cur && CMP.has(this.cur.t)) {
      ops.push(this.cur.t as '==');
      this.i++;
      items.push(this.bitor());
    }
    return { kind: 'cmp', ops, items };
  }
  private bitor(): InfoExpr {
    let l = this.bitand();
    while (this.cur?.t === '|') {
      this.i++;
      l = { kind: 'bin', op: '|', l, r: this.bitand() };
    }
    return l;
  }
  private bitand(): InfoExpr {
    let l = this.sum();
    while (this.cur?.t === '&') {
      this.i++;
      l = { kind: 'bin', op: '&', l, r: this.sum() };
    }
    return l;
  }
  private sum(): InfoExpr {
    let l = this.product();
    while (this.cur?.t === '+' || this.cur?.t === '-') {
      const op = this.cur.t as '+' | '-';
      this.i++;
      l = { kind: 'bin', op, l, r: this.product() };
    }
    return l;
  }
  private product(): InfoExpr {
    let l = this.atom();
    while (this.cur?.t === '*') {
      this.i++;
      l = { kind: 'bin', op: '*', l, r: this.atom() };
    }
    return l;
  }
  private atom(): InfoExpr {
    const t = this.cur;
    if (!t) return this.fail('expected a value (a tcpi_* field, a number or a constant), found the end of the expression');
    this.i++;
    if (t.t === '(') {
      const e = this.or();
      if (this.cur?.t !== ')') this.fail("expected ')'");
      this.i++;
      return e;
    }
    if (t.t === '-') return { kind: 'bin', op: '-', l: { kind: 'num', value: 0 }, r: this.atom() };
    if (/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t.t)) return { kind: 'num', value: Number(t.t) };
    if ((TCP_INFO_FIELDS as readonly string[]).includes(t.t)) return { kind: 'field', name: t.t };
    if (t.t in TCP_INFO_CONSTANTS) return { kind: 'num', value: TCP_INFO_CONSTANTS[t.t] };
    this.i--;
    if (!/^[A-Za-z_]/.test(t.t)) this.fail(`expected a value (a tcpi_* field, a number or a constant), found '${t.t}'`);
    if (/^tcpi_/.test(t.t)) throw new InfoExprError(t.at, `the TCP_INFO field ${t.t}`, true);
    throw new InfoExprError(t.at, `the name '${t.t}' (tcpi_* fields and TCPI_OPT_* / TCP_CA_* / TCP_<state> constants are understood)`, true);
  }
}
