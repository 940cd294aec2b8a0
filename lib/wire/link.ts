// Where the IP header starts in bytes a user pasted or a capture file holds: a bare IP packet, an
// Ethernet II frame (optionally one 802.1Q tag), or the link types of pcap/pcapng files
// (https://www.tcpdump.org/linktypes.html). Pure; never throws.
import { ETH_HEADER, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_VLAN } from './ethernet';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export interface IpAt {
  /** Offset of the IP header. */
  offset: number;
  /** What came before it, in words: 'IP', 'an Ethernet frame (ethertype 0x0800)', … */
  link: string;
}

const u16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];

/** The IP version whose ethertype this is (4, 6), or undefined. */
function ipOfEthertype(t: number): 4 | 6 | undefined {
  return t === ETHERTYPE_IPV4 ? 4 : t === ETHERTYPE_IPV6 ? 6 : undefined;
}

/** A plausible IP header of version v at `off`: the version nibble, and for IPv4 a header length ≥ 20. */
function ipHeaderAt(b: Uint8Array, off: number, v: 4 | 6): boolean {
  if (b.length < off + (v === 4 ? 20 : 40) || b[off] >> 4 !== v) return false;
  return v === 6 || (b[off] & 0x0f) >= 5;
}

/** Whether the IP length field at `off` accounts for exactly the bytes from `off` on (Ethernet may pad to 60). */
function lengthFits(b: Uint8Array, off: number, padTo = 0): boolean {
  const v = b[off] >> 4;
  const claimed = v === 4 ? u16(b, off + 2) : v === 6 ? 40 + u16(b, off + 4) : -1;
  const have = b.length - off;
  return claimed === have || (padTo > 0 && b.length <= padTo && claimed < have && claimed >= 20);
}

/** An Ethernet frame carrying IP (directly or under one 802.1Q tag): the IP offset, else undefined. */
function ethernetIp(b: Uint8Array): IpAt | undefined {
  if (b.length < ETH_HEADER + 20) return undefined;
  let type = u16(b, 12);
  let off = ETH_HEADER;
  if (type === ETHERTYPE_VLAN) {
    type = u16(b, 16);
    off = ETH_HEADER + 4;
  }
  const v = ipOfEthertype(type);
  if (!v || !ipHeaderAt(b, off, v)) return undefined;
  return { offset: off, link: `an Ethernet frame (ethertype 0x${type.toString(16).padStart(4, '0')}${off > ETH_HEADER ? ', 802.1Q' : ''})` };
}

/**
 * Bytes as pasted: a bare IPv4/IPv6 packet, or an Ethernet frame — told apart by the ethertype at
 * offset 12 (0x0800, 0x86dd, or 0x8100 then one of those) and a valid IP version nibble after it.
 * When both readings are plausible (an Ethernet destination MAC can start with 0x4_ or 0x6_), the one
 * whose IP length field matches the byte count wins; a tie goes to IP. undefined: neither.
 */
export function detectPasted(b: Uint8Array): IpAt | undefined {
  const asIp = b.length > 0 && (b[0] >> 4 === 4 || b[0] >> 4 === 6) ? { offset: 0, link: 'IP' } : undefined;
  const asEth = ethernetIp(b);
  if (asIp && asEth) {
    const ipFits = ipHeaderAt(b, 0, b[0] >> 4 === 4 ? 4 : 6) && lengthFits(b, 0);
    const ethFits = lengthFits(b, asEth.offset, 60);
    return ethFits && !ipFits ? asEth : asIp;
  }
  return asIp ?? asEth;
}

/**
 * The IP header's offset in a captured frame of this link type; undefined when the frame carries no
 * IP (ARP, a non-IP protocol) or the link type is not one of these.
 */
export function ipInFrame(linkType: number, b: Uint8Array): IpAt | undefined {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return ethernetIp(b);
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
    case 12: // LINKTYPE_RAW as some BSDs write it
    case 14:
      return b.length && (b[0] >> 4 === 4 || b[0] >> 4 === 6) ? { offset: 0, link: 'IP' } : undefined;
    case LINKTYPE_LINUX_SLL: // tcpdump -i any: 16-byte cooked header, protocol at 14
      return b.length >= 16 && ipOfEthertype(u16(b, 14)) ? { offset: 16, link: 'Linux cooked (SLL)' } : undefined;
    case LINKTYPE_LINUX_SLL2: // 20-byte cooked header, protocol at 0
      return b.length >= 20 && ipOfEthertype(u16(b, 0)) ? { offset: 20, link: 'Linux cooked (SLL2)' } : undefined;
    case LINKTYPE_NULL: {
      // BSD loopback: a 4-byte address family in the writer's byte order
      const fam = b.length >= 4 ? b[0] || b[3] : 0;
      return fam === 2 || fam === 24 || fam === 28 || fam === 30 ? { offset: 4, link: 'loopback' } : undefined;
    }
    default:
      return undefined;
  }
}
