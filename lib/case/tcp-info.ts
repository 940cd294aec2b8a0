// TCP_INFO assertions (AssertStep.tcpInfo): the fields a check may name, and its evaluation against the
// values a getsockopt(TCP_INFO) returned. Pure.
import type { InfoExpr } from './types';

/** struct tcp_info fields (linux/tcp.h) a check may name, in the kernel's order. */
export const TCP_INFO_FIELDS = [
  'tcpi_state', 'tcpi_ca_state', 'tcpi_retransmits', 'tcpi_probes', 'tcpi_backoff', 'tcpi_options',
  'tcpi_snd_wscale', 'tcpi_rcv_wscale', 'tcpi_rto', 'tcpi_ato', 'tcpi_snd_mss', 'tcpi_rcv_mss',
  'tcpi_unacked', 'tcpi_sacked', 'tcpi_lost', 'tcpi_retrans', 'tcpi_fackets', 'tcpi_last_data_sent',
  'tcpi_last_ack_sent', 'tcpi_last_data_recv', 'tcpi_last_ack_recv', 'tcpi_pmtu', 'tcpi_rcv_ssthresh',
  'tcpi_rtt', 'tcpi_rttvar', 'tcpi_snd_ssthresh', 'tcpi_snd_cwnd', 'tcpi_advmss', 'tcpi_reordering',
  'tcpi_rcv_rtt', 'tcpi_rcv_space', 'tcpi_total_retrans', 'tcpi_segs_out', 'tcpi_segs_in',
  'tcpi_notsent_bytes', 'tcpi_min_rtt', 'tcpi_data_segs_in', 'tcpi_data_segs_out', 'tcpi_delivered',
  'tcpi_delivered_ce',
] as const;
export type TcpInfoField = (typeof TCP_INFO_FIELDS)[number];

/** The constants of linux/tcp.h and net/tcp_states.h that packetdrill's checks use by name. */
export const TCP_INFO_CONSTANTS: Readonly<Record<string, number>> = {
  TCPI_OPT_TIMESTAMPS: 1, TCPI_OPT_SACK: 2, TCPI_OPT_WSCALE: 4, TCPI_OPT_ECN: 8, TCPI_OPT_ECN_SEEN: 16,
  TCPI_OPT_SYN_DATA: 32, TCPI_OPT_USEC_TS: 64,
  TCP_CA_Open: 0, TCP_CA_Disorder: 1, TCP_CA_CWR: 2, TCP_CA_Recovery: 3, TCP_CA_Loss: 4,
  TCP_ESTABLISHED: 1, TCP_SYN_SENT: 2, TCP_SYN_RECV: 3, TCP_FIN_WAIT1: 4, TCP_FIN_WAIT2: 5, TCP_TIME_WAIT: 6,
  TCP_CLOSE: 7, TCP_CLOSE_WAIT: 8, TCP_LAST_ACK: 9, TCP_LISTEN: 10, TCP_CLOSING: 11, TCP_NEW_SYN_RECV: 12,
};

/** `tcpi_snd_cwnd` → `sndCwnd`: the key of the agent's decoded TCP_INFO. */
export function tcpInfoKey(field: string): string {
  return field.replace(/^tcpi_/, '').replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The value of `e` over `info` (fields by tcpi_ name); comparisons and logic give 1 or 0. */
export function evalInfo(e: InfoExpr, info: (field: string) => number): number {
  switch (e.kind) {
    case 'num': return e.value;
    case 'field': return info(e.name);
    case 'not': return evalInfo(e.e, info) ? 0 : 1;
    case 'and': return evalInfo(e.l, info) && evalInfo(e.r, info) ? 1 : 0;
    case 'or': return evalInfo(e.l, info) || evalInfo(e.r, info) ? 1 : 0;
    case 'bin': return binop(e.op, evalInfo(e.l, info), evalInfo(e.r, info));
    case 'cmp': {
      const v = e.items.map((x) => evalInfo(x, info));
      return e.ops.every((op, i) => cmp(op, v[i], v[i + 1])) ? 1 : 0;
    }
  }
}

function binop(op: '&' | '|' | '+' | '-' | '*', l: number, r: number): number {
  switch (op) {
    case '&': return Number(BigInt(l) & BigInt(r));
    case '|': return Number(BigInt(l) | BigInt(r));
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
  }
}

function cmp(op: string, a: number, b: number): boolean {
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    default: return a >= b;
  }
}

/** The fields an expression reads, in order of first use. */
export function infoFields(e: InfoExpr, out: string[] = []): string[] {
  switch (e.kind) {
    case 'field':
      if (!out.includes(e.name)) out.push(e.name);
      break;
    case 'not': infoFields(e.e, out); break;
    case 'and': case 'or': case 'bin': infoFields(e.l, out); infoFields(e.r, out); break;
    case 'cmp': for (const x of e.items) infoFields(x, out); break;
    default: break;
  }
  return out;
}
