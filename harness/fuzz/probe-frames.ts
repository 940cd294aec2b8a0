// A chunk of the campaign's probes as Ethernet frames, written straight into one buffer: what the
// engine sends. Made on whichever thread has the time (work-balance.ts).
import type { Campaign } from '../../lib/fuzz/campaign';
import { probeAt } from '../../lib/fuzz/generate';
import { bindingsFor, type Probe, probePacketSpec } from '../../lib/fuzz/probe';
import { buildIpInto, buildLength } from '../../lib/wire/build';
import { emitEthernet, ETH_HEADER, ipEthertype } from '../../lib/wire/ethernet';
import type { Link, Packed } from './pipeline-protocol';

/** Probes [a, b) of the campaign (probeAt, or `probeOf`: a guided campaign's) as frames from link.src to link.dst. */
export function probeFrames(c: Campaign, a: number, b: number, link: Link, probeOf: (i: number) => Probe = (i) => probeAt(c, i)): Packed {
  const eth4 = emitEthernet({ dst: link.dst, src: link.src, type: ipEthertype(4) });
  const eth6 = emitEthernet({ dst: link.dst, src: link.src, type: ipEthertype(6) });
  let buf = new Uint8Array((b - a) * 128);
  const offs = new Uint32Array(b - a + 1);
  let o = 0;
  for (let i = a; i < b; i++) {
    const p = probeOf(i);
    const spec = probePacketSpec(p, p.mutated, bindingsFor(p), link.ends[p.ip]);
    const len = buildLength(spec);
    if (o + ETH_HEADER + len > buf.length) {
      const bigger = new Uint8Array(Math.max(buf.length * 2, o + ETH_HEADER + len));
      bigger.set(buf.subarray(0, o));
      buf = bigger;
    }
    offs[i - a] = o;
    buf.set(p.ip === 4 ? eth4 : eth6, o);
    o += ETH_HEADER + buildIpInto(spec, buf, o + ETH_HEADER);
  }
  offs[b - a] = o;
  return { buf: buf.buffer, offs };
}
