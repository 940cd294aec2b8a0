// tcp_oow_rate_limited (net/ipv4/tcp_input.c): at most one answer to out-of-window segments per
// tcp_invalid_ratelimit ms, for a request, a full or a TIME_WAIT socket (each keeps its last time).
import { SYN } from '../../wire/types';
import type { Seg } from '../core/seg';
import type { Step } from '../core/state';

/**
 * tcp_oow_rate_limited: one answer per tcp_invalid_ratelimit ms. Segments with data or FIN and no SYN
 * are never limited [inferred from the kernel: they are not part of an ACK loop].
 */
export function oowLimited(st: Step, last: number, seg: Seg): boolean {
  if (seg.seq !== seg.endSeq && !(seg.flags & SYN)) return false;
  return st.now - last < st.env.sysctls.tcp_invalid_ratelimit;
}
