// The bulk engine's access to a lab's link: a packet ring (packet-ring.ts) on the same tester
// interface as the lab's libpcap capture, created on first use and closed with that capture, and a
// way to pause the libpcap capture while the ring runs (otherwise every frame would be captured twice,
// and libpcap's copy would queue up in JS).
import * as libc from '../sys/libc';
import { rejectAll, tcpFrom } from './bpf';
import type { Capture } from './capture';
import { PacketRing } from './packet-ring';

const PACKET_IGNORE_OUTGOING = 23;

const rings = new WeakMap<Capture, PacketRing>();
const savedFilters = new WeakMap<Capture, Buffer | undefined>();

/** The packet ring on `capture`'s interface, capturing TCP from the DUT's two addresses. */
export function bulkRing(capture: Capture, dut: { v4: string; v6: string }, mtu: number): PacketRing {
  let r = rings.get(capture);
  if (!r) {
    r = new PacketRing(capture.ifname, { filter: tcpFrom(dut.v4, dut.v6), maxFrame: mtu + 14 + 4 });
    // The ring never needs to see what is sent on the link (its own frames or the lab's).
    const ring = r;
    libc.setsockopt(ring.fd, libc.SOL_PACKET, PACKET_IGNORE_OUTGOING, int32(1));
    rings.set(capture, ring);
    capture.onClose.push(() => ring.close());
  }
  return r;
}

/**
 * Pause the libpcap capture: a filter that accepts nothing, and no copies of outgoing frames (the
 * kernel then clones no sent frame for it). Returns the function that restores it exactly.
 */
export function pauseCapture(capture: Capture): () => void {
  const fd = capture.fd;
  if (!savedFilters.has(capture)) savedFilters.set(capture, libc.getFilter(fd));
  const saved = savedFilters.get(capture);
  check('pause capture', libc.attachFilter(fd, rejectAll()));
  check('pause capture', libc.setsockopt(fd, libc.SOL_PACKET, PACKET_IGNORE_OUTGOING, int32(1)));
  return () => {
    check('resume capture', libc.setsockopt(fd, libc.SOL_PACKET, PACKET_IGNORE_OUTGOING, int32(0)));
    if (saved) check('resume capture', libc.attachFilter(fd, saved));
    else check('resume capture', libc.setsockopt(fd, libc.SOL_SOCKET, libc.SO_DETACH_FILTER, int32(0)));
  };
}

function check(what: string, r: libc.SysRet): void {
  if (r.ret < 0) throw new Error(`${what}: ${libc.errnoName(r.errno)} (${libc.strerror(r.errno)})`);
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}
