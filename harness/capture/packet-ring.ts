// A packet socket on one interface with memory-mapped receive and transmit rings (TPACKET_V2), for
// the bulk probe engine. Frames to send are written into the TX ring and go out together with one
// send(); captured frames are read straight from the RX ring. Per frame there is no system call, no
// allocation and no native-to-JS callback — what libpcap through `cap` costs (one send() per
// injected frame, one JS callback per captured one).
//
// V2 rather than V3: V3 hands a block to user space only when it is full or its timer expires; V2
// hands over each frame as soon as it is written, which the engine's ordering logic needs.
//
// The socket is paused (a filter that accepts nothing) except while the engine runs, so frames the
// engine does not read never pile up in it and its drop counters mean "dropped during a run".
import * as libc from '../sys/libc';
import { encodeSockaddrLl } from '../sys/sockaddr';
import { rejectAll } from './bpf';
import { PacketStats } from './packet-stats';

const PACKET_RX_RING = 5;
const PACKET_VERSION = 10;
const PACKET_TX_RING = 13;
const TPACKET_V2 = 1;
const ETH_P_ALL = 0x0003;
const MSG_DONTWAIT = 0x40;

/** tpacket2_hdr.tp_status bits, receive side. */
const TP_STATUS_USER = 1;
const TP_STATUS_COPY = 2;
const TP_STATUS_LOSING = 4;
/** tpacket2_hdr.tp_status values, transmit side. */
const TP_STATUS_AVAILABLE = 0;
const TP_STATUS_SEND_REQUEST = 1;
const TP_STATUS_WRONG_FORMAT = 4;
/** Where a TX frame's data starts: TPACKET2_HDRLEN - sizeof(struct sockaddr_ll) = 52 - 20. */
const TX_DATA = 32;

export interface PacketRingOptions {
  /** The classic BPF program that selects the frames to capture while running. */
  filter: Buffer;
  /** Largest frame to send or capture, Ethernet header included (MTU + 14 + 4). */
  maxFrame: number;
  /** Receive and transmit ring frames (default: 4096 and 1024 at MTU 1500). */
  rxFrames?: number;
  txFrames?: number;
}

export class PacketRing {
  readonly fd: number;
  readonly frameSize: number;
  readonly rxFrames: number;
  readonly txFrames: number;
  /** The whole mapping: RX ring, then TX ring. */
  readonly mem: Uint8Array;
  private readonly w32: Uint32Array;
  private readonly map: libc.Mapping;
  private readonly txBase: number;
  private readonly filter: Buffer;
  private readonly stats: PacketStats;
  private rxHead = 0;
  private txHead = 0;
  private txPending = 0;
  private running = false;
  private closed = false;
  /** Frames the kernel marked as truncated or as following a loss (an error for the run). */
  truncated = 0;
  losing = 0;

  constructor(
    readonly ifname: string,
    o: PacketRingOptions,
  ) {
    this.filter = o.filter;
    // Header (32) + sockaddr_ll (20) + alignment + the frame; a power of two so frames tile blocks.
    let fs = 2048;
    while (fs < 32 + 32 + o.maxFrame) fs <<= 1;
    this.frameSize = fs;
    // 8 MiB of receive ring and 2 MiB of transmit ring at the usual MTU; fewer, larger slots (up to
    // twice the memory) for jumbo frames.
    this.rxFrames = o.rxFrames ?? Math.max(512, Math.min(4096, (16 << 20) / fs));
    this.txFrames = o.txFrames ?? Math.max(300, Math.min(1024, (4 << 20) / fs));
    const block = Math.max(4096, fs);
    const perBlock = block / fs;
    const rxBlocks = Math.ceil(this.rxFrames / perBlock);
    const txBlocks = Math.ceil(this.txFrames / perBlock);
    this.rxFrames = rxBlocks * perBlock;
    this.txFrames = txBlocks * perBlock;
    const ifindex = libc.ifNameToIndex(ifname);
    if (!ifindex) throw new Error(`packet ring: no interface ${ifname} in this namespace`);
    const s = libc.socket(libc.AF_PACKET, libc.SOCK_RAW | libc.SOCK_CLOEXEC, 0);
    if (s.ret < 0) throw new Error(`packet ring: socket(AF_PACKET) failed: ${libc.errnoName(s.errno)}`);
    this.fd = s.ret;
    let map: libc.Mapping | undefined;
    try {
      const must = (what: string, res: libc.SysRet): void => {
        if (res.ret < 0) throw new Error(`packet ring on ${ifname}: ${what}: ${libc.errnoName(res.errno)} (${libc.strerror(res.errno)})`);
      };
      must('PACKET_VERSION', libc.setsockopt(this.fd, libc.SOL_PACKET, PACKET_VERSION, int32(TPACKET_V2)));
      // Paused from the start: nothing is queued before the first run.
      must('SO_ATTACH_FILTER', libc.attachFilter(this.fd, rejectAll()));
      must('PACKET_RX_RING', libc.setsockopt(this.fd, libc.SOL_PACKET, PACKET_RX_RING, tpacketReq(block, rxBlocks, fs, this.rxFrames)));
      must('PACKET_TX_RING', libc.setsockopt(this.fd, libc.SOL_PACKET, PACKET_TX_RING, tpacketReq(block, txBlocks, fs, this.txFrames)));
      map = libc.mmapFd(this.fd, (rxBlocks + txBlocks) * block, libc.PROT_READ | libc.PROT_WRITE, libc.MAP_SHARED);
      this.map = map;
      this.mem = new Uint8Array(map.buf);
      this.w32 = new Uint32Array(map.buf);
      this.txBase = rxBlocks * block;
      // Bound to one interface and every protocol only now, with the filter in place.
      must('bind', libc.bind(this.fd, encodeSockaddrLl(libc.AF_PACKET, ETH_P_ALL, ifindex)));
      this.stats = new PacketStats(this.fd);
    } catch (e) {
      if (map) libc.munmapFd(map);
      libc.close(this.fd);
      throw e;
    }
  }

  /** Start capturing: stale frames are discarded and the drop counters restart from zero. */
  start(): void {
    if (this.closed) throw new Error('packet ring is closed');
    this.discard();
    this.stats.poll();
    this.stats.packets = 0;
    this.stats.drops = 0;
    this.truncated = 0;
    this.losing = 0;
    const r = libc.attachFilter(this.fd, this.filter);
    if (r.ret < 0) throw new Error(`packet ring on ${this.ifname}: SO_ATTACH_FILTER: ${libc.errnoName(r.errno)}`);
    this.running = true;
  }

  /** Stop capturing (the filter accepts nothing again). */
  stop(): void {
    if (!this.running || this.closed) return;
    this.running = false;
    const r = libc.attachFilter(this.fd, rejectAll());
    if (r.ret < 0) throw new Error(`packet ring on ${this.ifname}: SO_ATTACH_FILTER: ${libc.errnoName(r.errno)}`);
  }

  /** Kernel counters since start(): frames that passed the filter, frames dropped (ring full). */
  counters(): { packets: number; drops: number } {
    return this.stats.poll();
  }

  // ---- receive ---------------------------------------------------------------------------------

  /**
   * The next captured frame: its data offset in `mem` (its length in `rxLen`), or -1 when the ring
   * holds nothing new. Hand it back with rxRelease() once read.
   */
  rxNext(): number {
    const off = this.rxHead * this.frameSize;
    const status = this.w32[off >> 2];
    if (!(status & TP_STATUS_USER)) return -1;
    if (status & TP_STATUS_LOSING) this.losing++;
    const len = this.w32[(off >> 2) + 1];
    const snap = this.w32[(off >> 2) + 2];
    if (snap < len || status & TP_STATUS_COPY) this.truncated++;
    this.rxLen = snap;
    return off + (this.mem[off + 12] | (this.mem[off + 13] << 8));
  }

  /** Length of the frame rxNext() returned. */
  rxLen = 0;

  /** Give the frame rxNext() returned back to the kernel. */
  rxRelease(): void {
    this.w32[(this.rxHead * this.frameSize) >> 2] = 0;
    this.rxHead = this.rxHead + 1 === this.rxFrames ? 0 : this.rxHead + 1;
  }

  /** Drop everything waiting in the receive ring. */
  discard(): number {
    let n = 0;
    while (this.rxNext() >= 0) {
      this.rxRelease();
      n++;
    }
    return n;
  }

  // ---- transmit --------------------------------------------------------------------------------

  /** Offset in `mem` where the next frame to send is written, or -1 when that slot is still busy. */
  txSlot(): number {
    const off = this.txBase + this.txHead * this.frameSize;
    const status = this.w32[off >> 2];
    if (status === TP_STATUS_WRONG_FORMAT) throw new Error(`packet ring on ${this.ifname}: the kernel refused a frame (TP_STATUS_WRONG_FORMAT)`);
    return status === TP_STATUS_AVAILABLE ? off + TX_DATA : -1;
  }

  /** Largest frame a TX slot holds. */
  get txRoom(): number {
    return this.frameSize - TX_DATA;
  }

  /** Mark the frame written at txSlot() (`len` bytes) for sending. */
  txCommit(len: number): void {
    const off = this.txBase + this.txHead * this.frameSize;
    this.w32[(off >> 2) + 1] = len;
    this.w32[off >> 2] = TP_STATUS_SEND_REQUEST;
    this.txHead = this.txHead + 1 === this.txFrames ? 0 : this.txHead + 1;
    this.txPending++;
  }

  /** Frames committed and not yet flushed. */
  get txQueued(): number {
    return this.txPending;
  }

  /**
   * Send every committed frame, in order, with one send(). The DUT's immediate answers are produced
   * in the softirq of this call, so on return they are (normally) in the receive ring already.
   * MSG_DONTWAIT: the call does not wait for the frames' buffers to be freed; a slot still in use is
   * seen as busy by txSlot().
   */
  flush(): void {
    if (this.txPending === 0) return;
    this.txPending = 0;
    const r = libc.sendRing(this.fd, MSG_DONTWAIT);
    if (r.ret < 0) throw new Error(`packet ring on ${this.ifname}: send: ${libc.errnoName(r.errno)} (${libc.strerror(r.errno)})`);
  }

  /** Wait up to `ms` for a captured frame (poll(2): yields the CPU, e.g. to ksoftirqd). */
  waitReadable(ms: number): void {
    libc.pollOne(this.fd, libc.POLLIN, ms);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    libc.munmapFd(this.map);
    libc.close(this.fd);
  }
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}

function tpacketReq(blockSize: number, blockNr: number, frameSize: number, frameNr: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(blockSize, 0);
  b.writeUInt32LE(blockNr, 4);
  b.writeUInt32LE(frameSize, 8);
  b.writeUInt32LE(frameNr, 12);
  return b;
}
