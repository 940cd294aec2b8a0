// Turning a link's offloads off with the SIOCETHTOOL ioctl (what `ethtool -K IF rx off tx off tso off
// gso off gro off` does), without spawning ethtool: a lab reset wires a new veth pair and must not pay
// ~10 ms of CPU per spawn. Works on links of the calling thread's network namespace.
//
// Feature bits are not a stable ABI: their names are (ETH_SS_FEATURES strings), so the name → bit
// table is read from the kernel once (ETHTOOL_GSSET_INFO, ETHTOOL_GSTRINGS) and the request is an
// ETHTOOL_SFEATURES with a valid/requested mask per 32-bit block (uapi linux/ethtool.h).
import koffi from 'koffi';
import * as libc from './libc';

const SIOCETHTOOL = 0x8946;
const ETHTOOL_GSTRINGS = 0x1b;
const ETHTOOL_GSSET_INFO = 0x37;
const ETHTOOL_SFEATURES = 0x3b;
const ETH_SS_FEATURES = 4;
const ETH_GSTRING_LEN = 32;

/**
 * The features that must be off on both veth ends (design notes, trap 2): every receive and transmit
 * checksum offload (a SYN-ACK would otherwise cross the veth with its checksum not yet computed), every
 * segmentation offload and GRO/LRO (frames must cross as the stack built them).
 */
export function isOffload(name: string): boolean {
  return /^(rx-checksum|tx-checksum-.*|tx-.*segmentation|rx-gro.*|rx-lro)$/.test(name);
}

/** Memory koffi owns, seen from JS as bytes, with its address for embedding in ifreq.ifr_data. */
function scratch(len: number): { bytes: Buffer; addr: bigint; free: () => void } {
  const p = koffi.alloc('uint8_t', len);
  const bytes = Buffer.from(koffi.view(p, len));
  bytes.fill(0);
  return { bytes, addr: koffi.address(p), free: () => koffi.free(p) };
}

function ethtoolIoctl(fd: number, ifname: string, data: bigint, what: string): number {
  const ifr = Buffer.alloc(40);
  if (Buffer.byteLength(ifname) >= libc.IFNAMSIZ) throw new TypeError(`interface name too long: ${ifname}`);
  ifr.write(ifname, 0, 'utf8');
  ifr.writeBigUInt64LE(data, libc.IFNAMSIZ);
  const r = libc.ioctlPtr(fd, SIOCETHTOOL, ifr);
  if (r.ret < 0) throw new libc.ErrnoError(`SIOCETHTOOL ${what} on ${ifname}`, r.errno, libc.strerror(r.errno));
  return r.ret;
}

let featureNames: string[] | undefined;

/** The kernel's feature names, index = bit (read once per process; the set is global). */
function features(fd: number, ifname: string): string[] {
  if (featureNames) return featureNames;
  const info = scratch(8 + 8 + 4);
  let count: number;
  try {
    info.bytes.writeUInt32LE(ETHTOOL_GSSET_INFO, 0);
    info.bytes.writeBigUInt64LE(1n << BigInt(ETH_SS_FEATURES), 8);
    ethtoolIoctl(fd, ifname, info.addr, 'GSSET_INFO');
    if (!(info.bytes.readBigUInt64LE(8) & (1n << BigInt(ETH_SS_FEATURES)))) throw new Error(`SIOCETHTOOL: no feature strings for ${ifname}`);
    count = info.bytes.readUInt32LE(16);
  } finally {
    info.free();
  }
  const gs = scratch(12 + count * ETH_GSTRING_LEN);
  try {
    gs.bytes.writeUInt32LE(ETHTOOL_GSTRINGS, 0);
    gs.bytes.writeUInt32LE(ETH_SS_FEATURES, 4);
    gs.bytes.writeUInt32LE(count, 8);
    ethtoolIoctl(fd, ifname, gs.addr, 'GSTRINGS');
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const raw = gs.bytes.subarray(12 + i * ETH_GSTRING_LEN, 12 + (i + 1) * ETH_GSTRING_LEN);
      const end = raw.indexOf(0);
      names.push(raw.subarray(0, end < 0 ? raw.length : end).toString('latin1'));
    }
    featureNames = names;
    return names;
  } finally {
    gs.free();
  }
}

/** ETHTOOL_SFEATURES: turn every offload feature (isOffload) of `ifname` off. */
export function offloadsOff(ifname: string): void {
  const s = libc.socket(libc.AF_INET, libc.SOCK_DGRAM | libc.SOCK_CLOEXEC, 0);
  if (s.ret < 0) throw new libc.ErrnoError('socket for SIOCETHTOOL', s.errno, libc.strerror(s.errno));
  try {
    const names = features(s.ret, ifname);
    const blocks = Math.ceil(names.length / 32);
    const req = scratch(8 + blocks * 8);
    try {
      req.bytes.writeUInt32LE(ETHTOOL_SFEATURES, 0);
      req.bytes.writeUInt32LE(blocks, 4);
      names.forEach((n, bit) => {
        if (!isOffload(n)) return;
        const off = 8 + (bit >> 5) * 8;
        // valid: this bit is being set; requested: its value (0 = off)
        req.bytes.writeUInt32LE((req.bytes.readUInt32LE(off) | (1 << (bit & 31))) >>> 0, off);
      });
      // A positive return (ETHTOOL_F_WISH/COMPAT) only says some bits cannot change (fixed features).
      ethtoolIoctl(s.ret, ifname, req.addr, 'SFEATURES');
    } finally {
      req.free();
    }
  } finally {
    libc.close(s.ret);
  }
}
