// A chunk of the campaign's probes as Ethernet frames, written straight into one buffer: what the
// engine sends. Made on whichever thread has the time (work-balance.ts).
import type { Campaign } from '../../lib/fuzz/campaign-schema';
import { probeAt } from '../../lib/fuzz/generate';
import { bindingsFor, probePacketSpec } from '../../lib/fuzz/probe';
import { macToBytes } from '../../lib/wire/addr';
import { buildIpInto, buildLength } from '../../lib/wire/build';
import type { Link, Packed } from './pipeline-protocol';

/** Probes [a, b) of the campaign as frames from link.src to link.dst. */
export function probeFrames(c: Campaign, a: number, b: number, link: Link): Packed {
  const eth = (type: number): Uint8Array => {
    const h = new Uint8Array(14);
    h.set(macToBytes(link.dst), 0);
    h.set(macToBytes(link.src), 6);
    h[12] = type >> 8;
    h[13] = type & 0xff;
    return h;
  };
  const eth4 = eth(0x0800);
  const eth6 = eth(0x86dd);
  let buf = new Uint8Array((b - a) * 128);
  const offs = new Uint32Array(b - a + 1);
  let o = 0;
  for (let i = a; i < b; i++) {
    const p = probeAt(c, i);
    const spec = probePacketSpec(p, p.mutated, bindingsFor(p), link.ends[p.ip]);
    const len = buildLength(spec);
    if (o + 14 + len > buf.length) {
      const bigger = new Uint8Array(Math.max(buf.length * 2, o + 14 + len));
      bigger.set(buf.subarray(0, o));
      buf = bigger;
    }
    offs[i - a] = o;
    buf.set(p.ip === 4 ? eth4 : eth6, o);
    o += 14 + buildIpInto(spec, buf, o + 14);
  }
  offs[b - a] = o;
  return { buf: buf.buffer, offs };
}
