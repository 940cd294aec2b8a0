// A classic libpcap file written by hand (independent of the reader under test).

/** A classic pcap file by hand: µs or ns magic, either byte order. */
export function classicPcap(frames: Array<{ tsNs: bigint; bytes: Uint8Array }>, o: { le?: boolean; ns?: boolean; linkType?: number } = {}): Uint8Array {
  const le = o.le ?? true;
  const n = 24 + frames.reduce((a, f) => a + 16 + f.bytes.length, 0);
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, o.ns ? 0xa1b23c4d : 0xa1b2c3d4, le);
  dv.setUint16(4, 2, le);
  dv.setUint16(6, 4, le);
  dv.setUint32(16, 262144, le);
  dv.setUint32(20, o.linkType ?? 1, le);
  let off = 24;
  for (const f of frames) {
    dv.setUint32(off, Number(f.tsNs / 1_000_000_000n), le);
    dv.setUint32(off + 4, Number((f.tsNs % 1_000_000_000n) / (o.ns ? 1n : 1000n)), le);
    dv.setUint32(off + 8, f.bytes.length, le);
    dv.setUint32(off + 12, f.bytes.length, le);
    out.set(f.bytes, off + 16);
    off += 16 + f.bytes.length;
  }
  return out;
}
