// Wire order of a case's packets, checked two ways by runner-results.test.ts: from summary.json (our
// decode of each packet's hex) and from each pcapng as tshark decodes it, with tshark's own expert
// warnings. A packet is out of order when it acknowledges sequence space that its flow's other side
// sends only later in the capture (the stimulus after its reply) — what Wireshark reports as "ACKed
// segment that wasn't captured" — or when a segment that fills the gap before it comes later
// ("previous segment not captured"). Warnings about packets the cases send on purpose (a SYN-FIN, an
// ACK for data never sent) have no such later segment and are not ordering.
import { execFile } from 'child_process';

export interface WireSeg {
  /** Frame number, 1-based, in file order. */
  n: number;
  tNs: bigint;
  src: string;
  sport: number;
  dport: number;
  seq: number;
  /** Set when the ACK flag is. */
  ack?: number;
  /** Sequence space the segment takes: payload + SYN + FIN. */
  span: number;
  /** tshark's expert messages for the frame (empty from summary.json). */
  expert: string[];
}

const ACKED_UNSEEN = "ACKed segment that wasn't captured";
const PREVIOUS_UNSEEN = 'previous segment not captured';

/** seq < x ≤ seq + span, in sequence space (mod 2^32). */
function covers(s: WireSeg, x: number): boolean {
  const d = (x - s.seq) >>> 0;
  return d > 0 && d <= s.span;
}

const sameFlow = (a: WireSeg, b: WireSeg): boolean => a.sport === b.sport && a.dport === b.dport && a.src === b.src;
const reverse = (a: WireSeg, b: WireSeg): boolean => a.sport === b.dport && a.dport === b.sport && a.src !== b.src;

/** The segment before `i` (or after it) in the other direction that carries `ack`'s sequence space. */
function ackedBy(segs: readonly WireSeg[], i: number, later: boolean): WireSeg | undefined {
  const a = segs[i];
  const pool = later ? segs.slice(i + 1) : segs.slice(0, i);
  return pool.find((s) => reverse(s, a) && covers(s, a.ack!));
}

/** What is out of wire order: time going back, an ACK of a later segment, a gap filled later. */
export function orderProblems(segs: readonly WireSeg[]): string[] {
  const out: string[] = [];
  segs.forEach((s, i) => {
    if (i > 0 && s.tNs < segs[i - 1].tNs) out.push(`frame ${s.n}: time goes back ${segs[i - 1].tNs - s.tNs} ns`);
    if (s.ack !== undefined && !ackedBy(segs, i, false)) {
      const l = ackedBy(segs, i, true);
      if (l) out.push(`frame ${s.n} acknowledges ${s.ack}, sent only later in frame ${l.n}`);
    }
    if (s.expert.some((m) => m.includes(PREVIOUS_UNSEEN))) {
      const fill = segs.slice(i + 1).find((g) => sameFlow(g, s) && covers(g, s.seq));
      if (fill) out.push(`frame ${s.n}: previous segment not captured, but frame ${fill.n} after it carries it`);
    }
  });
  return out;
}

/** tshark's ordering warnings about frames whose missing segment is in the file, later. */
export function tsharkOrderWarnings(segs: readonly WireSeg[]): string[] {
  return segs.flatMap((s, i) => {
    if (s.expert.some((m) => m.includes(ACKED_UNSEEN)) && s.ack !== undefined && !ackedBy(segs, i, false) && ackedBy(segs, i, true))
      return [`frame ${s.n}: ${ACKED_UNSEEN}`];
    if (s.expert.some((m) => m.includes(PREVIOUS_UNSEEN)) && segs.slice(i + 1).some((g) => sameFlow(g, s) && covers(g, s.seq)))
      return [`frame ${s.n}: ${PREVIOUS_UNSEEN}`];
    return [];
  });
}

const FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq',
  'tcp.ack',
  'tcp.len',
  'tcp.flags',
  '_ws.expert.message',
];

/** A pcap's TCP segments as tshark decodes them (absolute sequence numbers), with its expert messages per frame. */
export function tsharkSegments(file: string): Promise<WireSeg[]> {
  const args = [
    '-r',
    file,
    '-o',
    'tcp.relative_sequence_numbers:FALSE',
    // TCP segments only: an ICMP error's quoted TCP header is not a segment on the wire (icmp steps)
    '-Y',
    'tcp && !icmp && !icmpv6',
    '-T',
    'fields',
    '-E',
    'separator=\t',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=\u001f',
    ...FIELDS.flatMap((f) => ['-e', f]),
  ];
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`tshark -r ${file}: ${err.message} ${stderr}`));
      resolve(
        stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const [n, t, src4, src6, sport, dport, seq, ack, len, flags, expert] = line.split('\t');
            const f = parseInt(flags, 16);
            const [sec, frac = ''] = t.split('.');
            return {
              n: Number(n),
              tNs: BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9)),
              src: src4 || src6,
              sport: Number(sport),
              dport: Number(dport),
              seq: Number(seq),
              ...(f & 0x10 ? { ack: Number(ack) } : {}),
              span: Number(len) + (f & 0x02 ? 1 : 0) + (f & 0x01 ? 1 : 0),
              expert: expert ? expert.split('\u001f') : [],
            };
          }),
      );
    });
  });
}
