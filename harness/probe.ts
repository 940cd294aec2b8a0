// One probe: build a lab, open a listener (or leave the port closed), send one crafted packet, and
// collect every packet the DUT sends back within a window. Used by `synh probe` and the integration
// tests. The capture is checked for drops before anything is reported.
import { buildIp, PacketSpec } from '../lib/wire/build';
import { decodeEthernet, decodeIp } from '../lib/wire/decode';
import type { Decoded, TcpOption } from '../lib/wire/types';
import { pathFor } from './inject/injector';
import { Lab } from './topology/lab';

export interface ProbeOptions {
  ip: 4 | 6;
  port: number;
  /** Listen on the port (default) or leave it closed. */
  listen: boolean;
  backlog: number;
  sport: number;
  flags: number | string;
  seq: number;
  ack: number;
  window: number;
  options: TcpOption[];
  payload?: Uint8Array;
  tos?: number;
  ttl?: number;
  mistakes?: PacketSpec['mistakes'];
  sysctls: Record<string, string>;
  sockopts: Record<string, number>;
  /** How long to collect replies after the send (ms). */
  waitMs: number;
  /** Force the link-layer (byte-exact) injection path. */
  link?: boolean;
}

export interface ProbeResult {
  kernel: string;
  sent: Decoded;
  replies: Decoded[];
  /** Frames seen on the link that came from the peer address but were not sent by us. */
  foreign: Decoded[];
  capture: { packets: number; drops: number; delivered: number };
}

export async function runProbe(o: ProbeOptions, existing?: Lab): Promise<ProbeResult> {
  const lab = existing ?? (await Lab.create({ sysctls: o.sysctls }));
  let fd: number | undefined;
  try {
    if (existing && Object.keys(o.sysctls).length) lab.setSysctls(o.sysctls);
    const a = o.ip === 4 ? lab.addr.v4 : lab.addr.v6;
    if (o.listen) {
      fd = must(await lab.agent.socket(o.ip), 'socket');
      for (const [name, value] of Object.entries(o.sockopts)) must(await lab.agent.setsockopt(fd, name, value), `setsockopt ${name}=${value}`);
      must(await lab.agent.bind(fd, a.dut, o.port), 'bind');
      must(await lab.agent.listen(fd, o.backlog), 'listen');
    }
    const spec: PacketSpec = {
      ip: o.ip,
      src: a.peer,
      dst: a.dut,
      sport: o.sport,
      dport: o.port,
      flags: o.flags,
      seq: o.seq,
      ack: o.ack,
      window: o.window,
      options: o.options,
      payload: o.payload,
      mistakes: o.mistakes,
      ...(o.ip === 4 ? { tos: o.tos, ttl: o.ttl } : { tclass: o.tos, hlim: o.ttl }),
    };
    const bytes = buildIp(spec);
    lab.capture.take();
    lab.injector.send(bytes, o.link ? 'link' : pathFor(bytes));
    await new Promise((r) => setTimeout(r, o.waitMs));
    const counters = lab.capture.counters();
    lab.capture.assertNoDrops();
    const frames = lab.capture.take().map((f) => decodeEthernet(f.bytes));
    const sent = decodeIp(bytes);
    const fromDut = (d: Decoded): boolean => d.ip?.src === a.dut;
    // Our own packet, seen on the way out (raw path): same TCP header. Anything else from the peer
    // address would mean some stack in the topology speaks for it — a leak.
    const ownEcho = (d: Decoded): boolean =>
      !!d.tcp && !!sent.tcp && d.tcp.sport === sent.tcp.sport && d.tcp.seq === sent.tcp.seq && d.tcp.flags === sent.tcp.flags;
    return {
      kernel: (await lab.agent.uname()).result?.release ?? 'unknown',
      sent,
      replies: frames.filter(fromDut),
      foreign: frames.filter((d) => !fromDut(d) && !ownEcho(d)),
      capture: counters,
    };
  } finally {
    if (!existing) await lab.close();
    else if (fd !== undefined) await lab.agent.close(fd);
  }
}

interface Reply {
  ok: boolean;
  ret?: number;
  err?: string;
  result?: unknown;
}

export function must<R extends Reply>(r: R, what: string): number {
  if (!r.ok) throw new Error(`agent ${what} failed: ${r.err ?? 'error'} (ret ${r.ret})`);
  return (typeof r.result === 'object' && r.result !== null && 'fd' in r.result ? (r.result as { fd: number }).fd : r.ret) ?? 0;
}
