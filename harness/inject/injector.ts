// Injection into the DUT. Two paths:
//  - raw: `raw-socket` with IPPROTO_RAW (header included, send-only: such a socket never receives, so
//    the tester kernel does not clone every reply into it). The kernel still fills in the IPv4 total
//    length and header checksum (and an IP ID when it is 0) — fine for well-formed packets.
//  - link: a whole Ethernet frame, byte-exact, through a LinkSender: for packets the raw path would
//    rewrite (bad IP checksum or length, IP options, a deliberate ID 0). Case runs send through a packet
//    socket of their own (packet-sender.ts), so the capture sees and stamps the frame as it leaves; the
//    bulk paths, which never look at their own frames, through the capture's libpcap handle.
// We call the addon's synchronous send directly (Socket.wrap.send): raw-socket's queued API waits for
// a poll event per packet, which cost a third of the throughput in bench/harness.ts.
import * as raw from 'raw-socket';
import { ipv4FromBytes, ipv6FromBytes } from '../../lib/wire/addr';
import { emitEthernet, ETH_HEADER, ipEthertype } from '../../lib/wire/ethernet';

const IPPROTO_RAW = 255;
const noop = (): void => undefined;

export interface LinkSender {
  sendFrame(frame: Uint8Array): void;
  close?(): void;
}

export class Injector {
  private v4: raw.Socket | undefined;
  private v6: raw.Socket | undefined;
  /** Our Ethernet headers to the DUT, by IP version (written once: sendLink only copies). */
  private readonly ethHeader: Record<4 | 6, Uint8Array>;
  sent = 0;

  /** `ownsLink`: the link sender is the injector's own, closed with it (not the capture's handle). */
  constructor(
    private readonly link: LinkSender,
    srcMac: string,
    dstMac: string,
    private readonly ownsLink = false,
  ) {
    this.ethHeader = {
      4: emitEthernet({ dst: dstMac, src: srcMac, type: ipEthertype(4) }),
      6: emitEthernet({ dst: dstMac, src: srcMac, type: ipEthertype(6) }),
    };
  }

  private socket(version: 4 | 6): raw.Socket {
    if (version === 4) return (this.v4 ??= raw.createSocket({ protocol: IPPROTO_RAW, addressFamily: raw.AddressFamily.IPv4 }));
    return (this.v6 ??= raw.createSocket({ protocol: IPPROTO_RAW, addressFamily: raw.AddressFamily.IPv6 }));
  }

  /** Send an IP packet (starting at the IP header) through the raw path. */
  sendRaw(ip: Uint8Array): void {
    const version = ip[0] >> 4;
    const buf = Buffer.isBuffer(ip) ? ip : Buffer.from(ip.buffer, ip.byteOffset, ip.byteLength);
    if (version === 4) this.socket(4).wrap.send(buf, 0, buf.length, ipv4FromBytes(ip, 16), noop);
    else if (version === 6) this.socket(6).wrap.send(buf, 0, buf.length, ipv6FromBytes(ip, 24), noop);
    else throw new Error(`raw path cannot send IP version ${version}: use the link path`);
    this.sent++;
  }

  /**
   * Send an IP packet through the link path, byte-exact, prefixed with our Ethernet header (to the
   * DUT's MAC, or to `dstMac`, e.g. a broadcast or multicast one).
   */
  sendLink(ip: Uint8Array, dstMac?: Uint8Array): void {
    const frame = Buffer.allocUnsafe(ETH_HEADER + ip.length);
    frame.set(this.ethHeader[ip[0] >> 4 === 6 ? 6 : 4], 0);
    if (dstMac) frame.set(dstMac, 0);
    frame.set(ip, ETH_HEADER);
    this.link.sendFrame(frame);
    this.sent++;
  }

  send(ip: Uint8Array, path: 'raw' | 'link' = 'raw'): void {
    if (path === 'link') this.sendLink(ip);
    else this.sendRaw(ip);
  }

  close(): void {
    this.v4?.close();
    this.v6?.close();
    if (this.ownsLink) this.link.close?.();
    this.v4 = this.v6 = undefined;
  }
}

/**
 * Which path a packet needs. The raw path rewrites the IPv4 total length and header checksum, and
 * the ID when it is 0; IP options are sent as given but we keep them on the exact path too.
 */
export function pathFor(ip: Uint8Array, opts: { exact?: boolean } = {}): 'raw' | 'link' {
  if (opts.exact) return 'link';
  if (ip[0] >> 4 !== 4) return 'raw';
  const ihl = ip[0] & 0x0f;
  if (ihl !== 5) return 'link';
  const totalLength = (ip[2] << 8) | ip[3];
  if (totalLength !== ip.length) return 'link';
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  if (sum !== 0xffff) return 'link'; // header checksum deliberately wrong
  return 'raw';
}
