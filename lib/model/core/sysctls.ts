// Per-netns sysctls that affect the handshake (spec §2), per-profile defaults, and applySysctl().
import { compareVersions, parseKernelVersion, versionText, type KernelVersion, type Profile } from './profile';

export interface Sysctls {
  tcp_syncookies: number;
  tcp_max_syn_backlog: number;
  tcp_abort_on_overflow: number;
  tcp_synack_retries: number;
  tcp_syn_retries: number;
  tcp_syn_linear_timeouts: number; // 6.18 only (0 on 6.1 = absent)
  tcp_timestamps: number;
  tcp_window_scaling: number;
  tcp_sack: number;
  tcp_ecn: number;
  tcp_ecn_fallback: number;
  tcp_ecn_option: number;
  tcp_ecn_option_beacon: number;
  tcp_fastopen: number;
  tcp_fastopen_key: string;
  tcp_reflect_tos: number;
  tcp_rmem: readonly [number, number, number];
  tcp_wmem: readonly [number, number, number];
  tcp_workaround_signed_windows: number;
  tcp_base_mss: number;
  tcp_min_snd_mss: number;
  tcp_mtu_probing: number;
  tcp_rto_min_us: number;
  tcp_rto_max_ms: number;
  tcp_tw_reuse: number;
  tcp_tw_reuse_delay: number;
  tcp_rfc1337: number;
  tcp_invalid_ratelimit: number;
  tcp_challenge_ack_limit: number;
  tcp_no_metrics_save: number;
  tcp_migrate_req: number;
  tcp_backlog_ack_defer: number;
  ip_default_ttl: number;
  ip_no_pmtu_disc: number;
  ip_local_port_range: readonly [number, number];
  somaxconn: number; // net.core
  rmem_max: number; // net.core
  txrehash: number; // net.core
}

/** TCP_RTO_MIN and TCP_RTO_MAX: the kernel's constants, and the defaults of the sysctls later releases added for them. */
export const TCP_RTO_MIN_US = 200000;
export const TCP_RTO_MAX_MS = 120000;

const BASE: Sysctls = {
  tcp_syncookies: 1,
  tcp_max_syn_backlog: 2048,
  tcp_abort_on_overflow: 0,
  tcp_synack_retries: 5,
  tcp_syn_retries: 6,
  tcp_syn_linear_timeouts: 4,
  tcp_timestamps: 1,
  tcp_window_scaling: 1,
  tcp_sack: 1,
  tcp_ecn: 2,
  tcp_ecn_fallback: 1,
  tcp_ecn_option: 2,
  tcp_ecn_option_beacon: 3,
  tcp_fastopen: 1,
  tcp_fastopen_key: '',
  tcp_reflect_tos: 0,
  tcp_rmem: [4096, 131072, 33554432],
  tcp_wmem: [4096, 16384, 4194304],
  tcp_workaround_signed_windows: 0,
  tcp_base_mss: 1024,
  tcp_min_snd_mss: 48,
  tcp_mtu_probing: 0,
  tcp_rto_min_us: TCP_RTO_MIN_US,
  tcp_rto_max_ms: TCP_RTO_MAX_MS,
  tcp_tw_reuse: 2,
  tcp_tw_reuse_delay: 1000,
  tcp_rfc1337: 0,
  tcp_invalid_ratelimit: 500,
  tcp_challenge_ack_limit: 2147483647,
  tcp_no_metrics_save: 0,
  tcp_migrate_req: 0,
  tcp_backlog_ack_defer: 1,
  ip_default_ttl: 64,
  ip_no_pmtu_disc: 0,
  ip_local_port_range: [32768, 60999],
  somaxconn: 4096,
  rmem_max: 4194304,
  txrehash: 1,
};

/**
 * Sysctls younger than some kernels the model covers: the mainline release that added each (a kernel
 * without it refuses the write; a case that sets one is skipped there).
 */
export const SYSCTL_SINCE: Readonly<Partial<Record<keyof Sysctls, string>>> = {
  tcp_syn_linear_timeouts: '6.5',
  tcp_rto_min_us: '6.11',
  tcp_tw_reuse_delay: '6.13',
  tcp_rto_max_ms: '6.16',
  tcp_ecn_option: '6.18',
  tcp_ecn_option_beacon: '6.18',
};

/** Whether a kernel version has the sysctl (every one the model knows, but those SYSCTL_SINCE dates). */
export function sysctlExists(key: keyof Sysctls, v: KernelVersion): boolean {
  const since = SYSCTL_SINCE[key];
  return !since || compareVersions(v, parseKernelVersion(since)!) >= 0;
}

/**
 * Defaults in a fresh netns for the profile (§2). Before 6.5 (measured on 6.1.192): tcp_rmem[2] 6 MiB
 * and rmem_max 212992 [release from reading]; an absent sysctl reads 0.
 */
export function defaultSysctls(p: Profile): Sysctls {
  const out: Record<string, unknown> = { ...BASE };
  for (const k of Object.keys(SYSCTL_SINCE) as Array<keyof Sysctls>) if (!sysctlExists(k, p.version)) out[k] = 0;
  if (compareVersions(p.version, [6, 5, 0]) < 0) {
    out.tcp_rmem = [4096, 131072, 6291456];
    out.rmem_max = 212992;
  }
  return out as unknown as Sysctls;
}

const NAMES: ReadonlySet<string> = new Set(Object.keys(BASE));
const CORE: ReadonlySet<string> = new Set(['somaxconn', 'rmem_max', 'txrehash']);

/** The sysctl's full name: 'net.ipv4.tcp_syncookies', 'net.core.somaxconn'. */
export function sysctlName(key: keyof Sysctls): string {
  return `${CORE.has(key) ? 'net.core' : 'net.ipv4'}.${key}`;
}

/**
 * Every sysctl the model reads, by full name: the ones a kernel version has when `v` is given (reading
 * one the kernel lacks would fail). The DUT reader reads these, so the model never runs with a default
 * where the kernel ran a set value.
 */
export function modelSysctlNames(v?: KernelVersion): string[] {
  const keys = Object.keys(BASE) as Array<keyof Sysctls>;
  return keys.filter((k) => !v || sysctlExists(k, v)).map(sysctlName);
}

/** 'net.ipv4.tcp_syncookies', 'net/ipv4/tcp_syncookies', 'tcp_syncookies', 'net.core.somaxconn' → key. */
export function sysctlKey(name: string): keyof Sysctls {
  let n = name.trim().replace(/\//g, '.');
  if (n.startsWith('net.ipv4.')) n = n.slice(9);
  else if (n.startsWith('net.core.')) {
    n = n.slice(9);
    if (!CORE.has(n)) throw new Error(`unknown sysctl "${name}": the model knows net.core.${[...CORE].join(', net.core.')}`);
  }
  if (!NAMES.has(n)) {
    throw new Error(`unknown sysctl "${name}": not one the handshake model knows (see spec §2: ${[...NAMES].join(', ')})`);
  }
  if (CORE.has(n) && name.includes('ipv4')) throw new Error(`unknown sysctl "${name}": ${n} lives under net.core`);
  return n as keyof Sysctls;
}

function intOf(name: string, v: number | string): number {
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n)) throw new Error(`sysctl ${name}: "${v}" is not an integer`);
  return n;
}

function triple(name: string, v: number | string | readonly number[]): number[] {
  const parts = Array.isArray(v)
    ? v.map(Number)
    : String(v)
        .trim()
        .split(/[\s,]+/)
        .map(Number);
  if (parts.length !== (name === 'ip_local_port_range' ? 2 : 3) || !parts.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new Error(`sysctl ${name}: "${String(v)}" must be ${name === 'ip_local_port_range' ? 'two' : 'three'} non-negative integers`);
  }
  return parts;
}

/** Returns a new Sysctls with one value changed; throws on an unknown name or a value the kernel refuses. */
export function applySysctl(s: Sysctls, name: string, value: number | string | readonly number[], p?: Profile): Sysctls {
  const key = sysctlKey(name);
  if (p && !sysctlExists(key, p.version)) throw new Error(`sysctl ${name} does not exist on kernel ${versionText(p.version)} (added in ${SYSCTL_SINCE[key]})`);
  const out = { ...s } as Record<string, unknown>;
  if (key === 'tcp_rmem' || key === 'tcp_wmem' || key === 'ip_local_port_range') {
    const t = triple(key, value as number | string);
    out[key] = t;
    if (key === 'ip_local_port_range' && t[0] > t[1]) throw new Error(`sysctl ${name}: low ${t[0]} > high ${t[1]} (EINVAL)`);
  } else if (key === 'tcp_fastopen_key') {
    out[key] = String(value);
  } else {
    const n = intOf(key, value as number | string);
    if (key === 'tcp_ecn' && (n < 0 || n > 2)) throw new Error(`sysctl ${name}=${n}: EINVAL (range 0..2 on this kernel, §2)`);
    if (key === 'tcp_syncookies' && n < 0) throw new Error(`sysctl ${name}=${n}: EINVAL (non-negative)`);
    if (key === 'tcp_timestamps' && (n < 0 || n > 2)) throw new Error(`sysctl ${name}=${n}: EINVAL (0..2)`);
    if (key === 'ip_default_ttl' && (n < 1 || n > 255)) throw new Error(`sysctl ${name}=${n}: EINVAL (1..255)`);
    if (n < 0 && key !== 'tcp_challenge_ack_limit') throw new Error(`sysctl ${name}=${n}: negative values are refused`);
    out[key] = n;
  }
  return out as unknown as Sysctls;
}

export function applySysctls(s: Sysctls, o: Record<string, number | string> | undefined, p?: Profile): Sysctls {
  if (!o) return s;
  for (const k of Object.keys(o)) s = applySysctl(s, k, o[k], p);
  return s;
}
