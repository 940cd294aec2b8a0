// Drop accounting for an AF_PACKET socket (a libpcap handle's, or the bulk engine's ring): the
// counters libpcap's pcap_stats() reads too, getsockopt(SOL_PACKET, PACKET_STATISTICS). The kernel
// resets them on every read; we are the only reader, so we accumulate them here.
import { getsockopt } from '../sys/libc';

const SOL_PACKET = 263;
const PACKET_STATISTICS = 6;

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
