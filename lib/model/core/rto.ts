// The bounds every retransmission timer of the kernel shares: the RTO of a socket without an RTT sample
// (TCP_TIMEOUT_INIT), and tcp_rto_min / tcp_rto_max — constants before the sysctls that set them per
// namespace (6.11 and 6.16), which default to the same values.
import type { ModelEnv } from './state';
import { sysctlExists, TCP_RTO_MAX_MS, TCP_RTO_MIN_US } from './sysctls';

/** TCP_TIMEOUT_INIT, ms. */
export const TCP_TIMEOUT_INIT_MS = 1000;

/** tcp_rto_min, ms. */
export function rtoMinMs(env: ModelEnv): number {
  const us = env.sysctls.tcp_rto_min_us;
  return sysctlExists('tcp_rto_min_us', env.profile.version) && us > 0 ? us / 1000 : TCP_RTO_MIN_US / 1000;
}

/** tcp_rto_max, ms. */
export function rtoMaxMs(env: ModelEnv): number {
  return env.profile.rtoSysctls ? env.sysctls.tcp_rto_max_ms : TCP_RTO_MAX_MS;
}
