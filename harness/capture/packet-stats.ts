// Drop accounting for a libpcap handle opened by `cap`. `cap` exposes no pcap_stats(), so we read the
// counters the way libpcap itself does: getsockopt(SOL_PACKET, PACKET_STATISTICS) on the AF_PACKET
// socket behind the handle. The kernel resets them on every read; we own that socket's counters (cap
// never reads them), so we accumulate them here.
import * as fs from 'fs';
import { getsockopt } from '../sys/libc';

const SOL_PACKET = 263;
const PACKET_STATISTICS = 6;

/** Inodes of the AF_PACKET sockets of the calling thread's network namespace. */
function packetSocketInodes(): Set<string> {
  const out = new Set<string>();
  // /proc/self/net follows the thread-group leader (our main thread), which is where cap opened.
  const lines = fs.readFileSync('/proc/self/net/packet', 'utf8').trim().split('\n').slice(1);
  for (const l of lines) {
    const cols = l.trim().split(/\s+/);
    if (cols.length >= 9) out.add(cols[8]);
  }
  return out;
}

/** File descriptors of this process that are AF_PACKET sockets. */
export function packetSocketFds(): number[] {
  const inodes = packetSocketInodes();
  const fds: number[] = [];
  for (const name of fs.readdirSync('/proc/self/fd')) {
    let link: string;
    try {
      link = fs.readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // the fd readdir itself used, now closed
    }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m && inodes.has(m[1])) fds.push(Number(name));
  }
  return fds;
}

export class PacketStats {
  packets = 0; // frames that passed the filter (as the kernel counts them)
  drops = 0; // frames the kernel dropped because our ring/buffer was full

  constructor(readonly fd: number) {}

  /** Read and accumulate the kernel's counters (they reset on read). */
  poll(): { packets: number; drops: number } {
    // tpacket_stats (8 bytes) or tpacket_stats_v3 (12): packets and drops come first in both.
    const r = getsockopt(this.fd, SOL_PACKET, PACKET_STATISTICS, 12);
    if (r.ret !== 0 || !r.buf || r.buf.length < 8) {
      throw new Error(`getsockopt(PACKET_STATISTICS) on capture fd ${this.fd} failed (errno ${r.errno})`);
    }
    this.packets += r.buf.readUInt32LE(0);
    this.drops += r.buf.readUInt32LE(4);
    return { packets: this.packets, drops: this.drops };
  }
}
