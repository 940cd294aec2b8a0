// The DUT sysctls the model depends on, read back from the DUT namespace after they were set, so the
// model is keyed on what the kernel really runs with (tcp_rmem is copied from the host's namespace at
// creation, rmem_max is global): never on what we assume the defaults are.
import type { Lab } from '../topology/lab';

export const MODEL_SYSCTLS = [
  'net.ipv4.tcp_syncookies', 'net.ipv4.tcp_max_syn_backlog', 'net.ipv4.tcp_abort_on_overflow',
  'net.ipv4.tcp_synack_retries', 'net.ipv4.tcp_syn_retries', 'net.ipv4.tcp_syn_linear_timeouts',
  'net.ipv4.tcp_timestamps', 'net.ipv4.tcp_window_scaling', 'net.ipv4.tcp_sack', 'net.ipv4.tcp_ecn',
  'net.ipv4.tcp_ecn_fallback', 'net.ipv4.tcp_fastopen', 'net.ipv4.tcp_reflect_tos', 'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem', 'net.ipv4.tcp_workaround_signed_windows', 'net.ipv4.tcp_min_snd_mss',
  'net.ipv4.tcp_rto_max_ms', 'net.ipv4.tcp_invalid_ratelimit', 'net.ipv4.tcp_rfc1337',
  'net.ipv4.ip_default_ttl', 'net.ipv4.ip_no_pmtu_disc', 'net.ipv4.ip_local_port_range',
  'net.core.somaxconn', 'net.core.rmem_max', 'net.ipv4.tcp_fastopen_key',
];

/**
 * Read the model-relevant sysctls of the lab's DUT through its agent, whitespace normalised (missing
 * ones — older kernels — are left out).
 */
export async function readModelSysctls(lab: Lab): Promise<Record<string, string>> {
  const replies = await Promise.all(MODEL_SYSCTLS.map((name) => lab.agent.call('sysctlGet', { name })));
  const out: Record<string, string> = {};
  MODEL_SYSCTLS.forEach((name, i) => {
    const r = replies[i];
    if (r.ok && r.result) out[name] = r.result.value.replace(/\s+/g, ' ').trim();
  });
  return out;
}
