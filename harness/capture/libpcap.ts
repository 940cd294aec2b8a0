// libpcap through koffi: the few calls a live capture needs, with the packet header `cap` does not
// pass on — the kernel's receive timestamp. The runner judges times to the millisecond (a delayed
// ACK at 40 ms, TSvals against the clock ±50 ms) while several cases share one event loop; a frame
// stamped when JavaScript gets to it carries the loop's delay, a frame stamped by the kernel does not.
//
// Calls (pcap(3PCAP)): pcap_create, pcap_set_* (before activation), pcap_activate, pcap_compile +
// pcap_setfilter, pcap_setnonblock, pcap_get_selectable_fd, pcap_next_ex, pcap_sendpacket, pcap_close.
import koffi from 'koffi';

function loadLib(): ReturnType<typeof koffi.load> {
  const tried: string[] = [];
  for (const name of ['libpcap.so.1', 'libpcap.so.0.8', 'libpcap.so']) {
    try {
      return koffi.load(name);
    } catch (e) {
      tried.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`cannot load libpcap (${tried.join('; ')}) — install libpcap-dev (apt-get install -y libpcap-dev) or run \`npm run setup\``);
}

const lib = loadLib();
koffi.opaque('pcap_t');
const BpfProgram = koffi.struct('synh_bpf_program', { bf_len: 'uint', bf_insns: 'void *' });
const PktHdr = koffi.struct('synh_pcap_pkthdr', { tv_sec: 'long', tv_usec: 'long', caplen: 'uint32_t', len: 'uint32_t' });

const fn = {
  create: lib.func('pcap_t *pcap_create(const char *source, _Out_ uint8_t *errbuf)'),
  setSnaplen: lib.func('int pcap_set_snaplen(pcap_t *p, int snaplen)'),
  setPromisc: lib.func('int pcap_set_promisc(pcap_t *p, int promisc)'),
  setImmediate: lib.func('int pcap_set_immediate_mode(pcap_t *p, int immediate)'),
  setBufferSize: lib.func('int pcap_set_buffer_size(pcap_t *p, int size)'),
  setTstampPrecision: lib.func('int pcap_set_tstamp_precision(pcap_t *p, int precision)'),
  activate: lib.func('int pcap_activate(pcap_t *p)'),
  geterr: lib.func('const char *pcap_geterr(pcap_t *p)'),
  datalink: lib.func('int pcap_datalink(pcap_t *p)'),
  compile: lib.func('int pcap_compile(pcap_t *p, _Out_ synh_bpf_program *fp, const char *str, int optimize, uint32_t netmask)'),
  setfilter: lib.func('int pcap_setfilter(pcap_t *p, synh_bpf_program *fp)'),
  freecode: lib.func('void pcap_freecode(synh_bpf_program *fp)'),
  setnonblock: lib.func('int pcap_setnonblock(pcap_t *p, int nonblock, _Out_ uint8_t *errbuf)'),
  selectableFd: lib.func('int pcap_get_selectable_fd(pcap_t *p)'),
  nextEx: lib.func('int pcap_next_ex(pcap_t *p, _Out_ void **hdr, _Out_ void **data)'),
  sendpacket: lib.func('int pcap_sendpacket(pcap_t *p, const uint8_t *buf, int size)'),
  close: lib.func('void pcap_close(pcap_t *p)'),
};

const PCAP_ERRBUF_SIZE = 256;
const PCAP_TSTAMP_PRECISION_NANO = 1;
const PCAP_NETMASK_UNKNOWN = 0xffffffff;
const DLT_EN10MB = 1;

export interface PcapFrame {
  /** A copy of the frame, from the link-layer header. */
  bytes: Uint8Array;
  /** The kernel's receive (or, for our own frames, transmit) timestamp, CLOCK_REALTIME, ns. */
  realNs: bigint;
  /** The frame was longer than the snapshot length (only caplen bytes kept). */
  truncated: boolean;
}

function cstr(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(b.buffer, b.byteOffset, end < 0 ? b.length : end).toString('utf8');
}

export interface PcapOpenOptions {
  snaplen: number;
  bufferBytes: number;
  filter: string;
}

/** An activated, non-blocking, immediate-mode Ethernet capture with nanosecond timestamps and a filter. */
export class Pcap {
  private handle: unknown;
  readonly fd: number;
  private readonly hdrOut: unknown[] = [null];
  private readonly dataOut: unknown[] = [null];

  constructor(
    readonly ifname: string,
    o: PcapOpenOptions,
  ) {
    const errbuf = new Uint8Array(PCAP_ERRBUF_SIZE);
    const h = fn.create(ifname, errbuf);
    if (!h) throw new Error(`pcap_create(${ifname}): ${cstr(errbuf)}`);
    this.handle = h;
    try {
      fn.setSnaplen(h, o.snaplen);
      fn.setPromisc(h, 1);
      fn.setImmediate(h, 1);
      fn.setBufferSize(h, o.bufferBytes);
      if (fn.setTstampPrecision(h, PCAP_TSTAMP_PRECISION_NANO) !== 0) throw new Error(`pcap_set_tstamp_precision(${ifname}, nano) failed`);
      const a = fn.activate(h);
      if (a < 0) throw new Error(`pcap_activate(${ifname}): ${fn.geterr(h)}`);
      const dlt = fn.datalink(h);
      if (dlt !== DLT_EN10MB) throw new Error(`capture on ${ifname}: link type ${dlt}, expected Ethernet (${DLT_EN10MB})`);
      const prog = {};
      if (fn.compile(h, prog, o.filter, 1, PCAP_NETMASK_UNKNOWN) !== 0) throw new Error(`pcap_compile(${JSON.stringify(o.filter)}): ${fn.geterr(h)}`);
      try {
        if (fn.setfilter(h, prog) !== 0) throw new Error(`pcap_setfilter: ${fn.geterr(h)}`);
      } finally {
        fn.freecode(prog);
      }
      if (fn.setnonblock(h, 1, errbuf) !== 0) throw new Error(`pcap_setnonblock: ${cstr(errbuf)}`);
      this.fd = fn.selectableFd(h);
      if (this.fd < 0) throw new Error(`capture on ${ifname}: no selectable fd`);
    } catch (e) {
      fn.close(h);
      this.handle = undefined;
      throw e;
    }
  }

  /** The next captured frame, or undefined when none is waiting (non-blocking). */
  next(): PcapFrame | undefined {
    const r = fn.nextEx(this.handle, this.hdrOut, this.dataOut);
    if (r === 0) return undefined;
    if (r < 0) throw new Error(`pcap_next_ex on ${this.ifname}: ${r === -1 ? fn.geterr(this.handle) : `returned ${r}`}`);
    const hdr = koffi.decode(this.hdrOut[0], PktHdr) as { tv_sec: number; tv_usec: number; caplen: number; len: number };
    const bytes = new Uint8Array(koffi.view(this.dataOut[0], hdr.caplen).slice(0));
    return { bytes, realNs: BigInt(hdr.tv_sec) * 1_000_000_000n + BigInt(hdr.tv_usec), truncated: hdr.caplen < hdr.len };
  }

  /** Inject a whole frame (pcap_sendpacket). */
  send(frame: Uint8Array): void {
    if (fn.sendpacket(this.handle, frame, frame.length) !== 0) throw new Error(`pcap_sendpacket on ${this.ifname}: ${fn.geterr(this.handle)}`);
  }

  close(): void {
    if (this.handle === undefined) return;
    fn.close(this.handle);
    this.handle = undefined;
  }
}

void BpfProgram;
