// ICMP errors in place of a stateful probe's mutated segment (generator mistakes.icmp): what tcp_v4_err /
// tcp_v6_err and tcp_req_err do with them (§3.6) — destination unreachable of every code the kernel
// treats apart (net/host: fatal to a request; port, protocol, admin: hard errors; frag_needed / packet
// too big with MTUs around the path's), time exceeded, parameter problem, and the types TCP ignores
// (source quench, redirect, an echo request); quoting the DUT's last segment on the flow at its seq, or
// around it (out of window), or a segment of another 4-tuple (no socket); now and then a bad checksum. Pure.
import type { Prng } from '../util/prng';
import type { ProbeIcmp, SeqRef, Target } from './probe';

const V4: ReadonlyArray<readonly [number, number]> = [
  [3, 0], // net unreachable
  [3, 1], // host unreachable
  [3, 2], // protocol unreachable
  [3, 3], // port unreachable
  [3, 4], // fragmentation needed
  [3, 4],
  [3, 13], // administratively prohibited
  [11, 0], // time exceeded
  [12, 0], // parameter problem
  [4, 0], // source quench
  [5, 1], // redirect
  [8, 0], // echo request: not an error
];
const V6: ReadonlyArray<readonly [number, number]> = [
  [1, 0], // no route
  [1, 1], // administratively prohibited
  [1, 3], // address unreachable
  [1, 4], // port unreachable
  [2, 0], // packet too big
  [2, 0],
  [3, 0], // time exceeded
  [4, 0], // parameter problem
  [128, 0], // echo request: not an error
];
/**
 * MTUs of frag_needed / packet too big. An accepted one lowers the namespace's path MTU to the peer (a
 * route exception the next probe's SYN-ACK would inherit): the engine flushes the IPv4 route cache after
 * an IPv4 one; IPv6 has no such flush (`ip -6 route flush cache` keeps unexpired PMTU exceptions), so
 * its MTUs are the ones tcp_v6_err leaves alone (below 1280, or not below the path's 1500). IPv4 MTUs
 * stay at or above min_pmtu (552): a smaller one locks the route's MTU and the kernel then clears DF,
 * which the model does not follow yet (docs/model-corrections.md, Not resolved).
 */
const MTUS: Record<4 | 6, readonly number[]> = { 4: [552, 576, 1000, 1400, 1500, 9000], 6: [1000, 1279, 1500, 9000] };

/** The segment of the DUT's an error quotes, by target: its flags, and the seq it had (dut.isn + offset). */
const QUOTED: Readonly<Record<Exclude<Target, 'listener'>, { flags: number; offset: number }>> = {
  request: { flags: 0x12, offset: 0 }, // the SYN-ACK
  synsent: { flags: 0x02, offset: 0 }, // the SYN
  established: { flags: 0x10, offset: 1 }, // an ACK at snd_nxt
  timewait: { flags: 0x11, offset: 1 }, // the FIN
};

export function pickIcmp(rng: Prng, target: Exclude<Target, 'listener'>, ip: 4 | 6): ProbeIcmp {
  const [type, code] = rng.pick(ip === 4 ? V4 : V6);
  const q = QUOTED[target];
  const r = rng.float();
  // at the seq the DUT sent (most), just around it, or far from it (out of window)
  const seq: SeqRef = { base: 'dut.isn', offset: r < 0.7 ? q.offset : r < 0.85 ? q.offset + rng.pick([-1, 1, 2]) : q.offset + rng.pick([-100000, 1 << 30]) };
  const mtu = (ip === 4 && type === 3 && code === 4) || (ip === 6 && type === 2) ? rng.pick(MTUS[ip]) : undefined;
  return {
    type,
    code,
    ...(mtu !== undefined ? { mtu } : {}),
    quote: { flags: q.flags, seq, len: 0, ...(rng.chance(0.1) ? { otherPort: true } : {}) },
    ...(rng.chance(0.05) ? { badChecksum: true } : {}),
  };
}
