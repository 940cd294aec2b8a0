import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { casePcapng, readPcapng, tsToNs, writePcapng, type PcapngPacketIn } from '../../../harness/report/pcapng';
import { A, MSS_1460, S, fixtureRun, tcpFrame } from './fixture';

// ---- an independent, by-hand pcapng builder (either byte order) for reader tests

type HandOpt = [number, Uint8Array];
const te = new TextEncoder();

function handBlock(le: boolean, type: number, body: Uint8Array, opts: HandOpt[] = [], endofopt = true): Uint8Array {
  const parts: number[] = [];
  const u16 = (v: number): void => {
    if (le) parts.push(v & 0xff, v >> 8);
    else parts.push(v >> 8, v & 0xff);
  };
  const pad = (): void => {
    while (parts.length % 4) parts.push(0);
  };
  parts.push(...body);
  pad();
  for (const [code, v] of opts) {
    u16(code);
    u16(v.length);
    parts.push(...v);
    pad();
  }
  if (opts.length && endofopt) parts.push(0, 0, 0, 0);
  const total = parts.length + 12;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, le);
  dv.setUint32(4, total, le);
  out.set(parts, 8);
  dv.setUint32(total - 4, total, le);
  return out;
}

function bytesOf(le: boolean, fields: Array<[number, 1 | 2 | 4 | 8]>): Uint8Array {
  const size = fields.reduce((n, [, w]) => n + w, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const [v, w] of fields) {
    if (w === 1) out[o] = v;
    else if (w === 2) dv.setUint16(o, v, le);
    else if (w === 4) dv.setUint32(o, v >>> 0, le);
    else dv.setBigUint64(o, BigInt.asUintN(64, BigInt(v)), le);
    o += w;
  }
  return out;
}

function concat(...xs: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of xs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

function shb(le: boolean, comment?: string): Uint8Array {
  return handBlock(
    le,
    0x0a0d0d0a,
    bytesOf(le, [
      [0x1a2b3c4d, 4],
      [1, 2],
      [0, 2],
      [-1, 8],
    ]),
    comment ? [[1, te.encode(comment)]] : [],
  );
}
function idb(le: boolean, tsresol?: number, tsoffset?: bigint): Uint8Array {
  const opts: HandOpt[] = [];
  if (tsresol !== undefined) opts.push([9, Uint8Array.of(tsresol)]);
  if (tsoffset !== undefined) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, tsoffset, le);
    opts.push([14, b]);
  }
  return handBlock(
    le,
    1,
    bytesOf(le, [
      [1, 2],
      [0, 2],
      [0, 4],
    ]),
    opts,
  );
}
function epb(le: boolean, ifId: number, ts: bigint, data: Uint8Array, comments: string[] = [], flags?: number): Uint8Array {
  const head = bytesOf(le, [
    [ifId, 4],
    [Number(ts >> 32n), 4],
    [Number(ts & 0xffffffffn), 4],
    [data.length, 4],
    [data.length, 4],
  ]);
  const opts: HandOpt[] = comments.map((c) => [1, te.encode(c)]);
  if (flags !== undefined) opts.push([2, bytesOf(le, [[flags, 4]])]);
  return handBlock(le, 6, concat(head, data), opts);
}

const frames = [
  tcpFrame({ flags: S, seq: 1000, options: MSS_1460 }),
  tcpFrame({ flags: S | A, seq: 7, ack: 1001, v6: true }),
  Uint8Array.of(1, 2, 3), // odd length: padding
];
const packetsIn: PcapngPacketIn[] = [
  { tsNs: 1_795_000_000_123_456_789n, bytes: frames[0], comment: 'step 0 send SYN', dir: 'sent' },
  { tsNs: 1_795_000_000_123_456_790n, bytes: frames[1], comment: 'matched: naïve ✓ 日本語 «SA»', dir: 'received' },
  { tsNs: 1_795_000_001_000_000_000n, bytes: frames[2] },
];

describe('report/pcapng', () => {
  it('round-trips timestamps (ns), bytes, comments and direction', () => {
    const file = writePcapng(packetsIn, { shbComment: 'synharness case x on kernel 6.18 ✓', shbOs: 'Linux 6.18', ifName: 'peer' });
    expect(file.length % 4).to.equal(0);
    const r = readPcapng(file);
    expect(r.errors).to.deep.equal([]);
    expect(r.shbComment).to.equal('synharness case x on kernel 6.18 ✓');
    expect(r.sections).to.have.length(1);
    expect(r.sections[0]).to.include({ littleEndian: true, major: 1, minor: 0, os: 'Linux 6.18' });
    expect(r.interfaces).to.have.length(1);
    expect(r.interfaces[0]).to.include({ linkType: 1, tsresol: 9, name: 'peer', snapLen: 0 });
    expect(r.packets.map((p) => p.tsNs)).to.deep.equal(packetsIn.map((p) => p.tsNs));
    expect(r.packets.map((p) => Array.from(p.bytes))).to.deep.equal(frames.map((f) => Array.from(f)));
    expect(r.packets.map((p) => p.comment)).to.deep.equal(['step 0 send SYN', 'matched: naïve ✓ 日本語 «SA»', '']);
    expect(r.packets.map((p) => p.dir)).to.deep.equal(['sent', 'received', undefined]);
    expect(r.packets.map((p) => p.origLen)).to.deep.equal(frames.map((f) => f.length));
  });

  it('writes the layout the spec prescribes', () => {
    const file = writePcapng([packetsIn[2]]);
    const dv = new DataView(file.buffer);
    expect(dv.getUint32(0, true)).to.equal(0x0a0d0d0a);
    const shbLen = dv.getUint32(4, true);
    expect(dv.getUint32(8, true)).to.equal(0x1a2b3c4d);
    expect([dv.getUint16(12, true), dv.getUint16(14, true)]).to.deep.equal([1, 0]);
    expect(dv.getBigInt64(16, true)).to.equal(-1n);
    expect(shbLen).to.equal(28); // no options: no opt_endofopt either
    expect(dv.getUint32(shbLen - 4, true)).to.equal(shbLen);
    // IDB: linktype 1, snaplen 0, if_tsresol=9 then opt_endofopt
    const idbAt = shbLen;
    expect(dv.getUint32(idbAt, true)).to.equal(1);
    const idbLen = dv.getUint32(idbAt + 4, true);
    expect(dv.getUint16(idbAt + 8, true)).to.equal(1);
    expect([dv.getUint16(idbAt + 16, true), dv.getUint16(idbAt + 18, true), file[idbAt + 20]]).to.deep.equal([9, 1, 9]);
    expect(dv.getUint32(idbAt + 24, true)).to.equal(0); // opt_endofopt
    expect(idbLen).to.equal(32);
    // EPB with a 3-byte frame padded to 4, no options
    const epbAt = idbAt + idbLen;
    expect(dv.getUint32(epbAt, true)).to.equal(6);
    expect(dv.getUint32(epbAt + 4, true)).to.equal(32 + 4);
    expect(epbAt + 36).to.equal(file.length);
  });

  it('reads big-endian files built by hand, across sections, with unknown blocks skipped', () => {
    const be = concat(
      shb(false, 'big-endian section'),
      idb(false), // default resolution: microseconds
      idb(false, 0x80 | 10, 100n), // 2^-10 s, offset 100 s
      handBlock(false, 0x00000bad, Uint8Array.of(1, 2, 3, 4, 5)), // unknown block
      epb(false, 0, 1_700_000_000_000_001n, frames[0], ['µs packet', 'second comment'], 2),
      epb(false, 1, 1024n * 3n + 512n, frames[2], ['binary-resolution packet']),
      handBlock(false, 0x40000bad, new Uint8Array(8), [[1, te.encode('custom')]]), // custom block
      handBlock(false, 5, new Uint8Array(16)), // ISB
      shb(true, 'little-endian section'),
      idb(true, 9),
      epb(true, 0, 5n, frames[1], ['le packet'], 1),
    );
    const r = readPcapng(be);
    expect(r.errors).to.deep.equal([]);
    expect(r.shbComment).to.equal('big-endian section');
    expect(r.sections.map((s) => [s.littleEndian, s.comments])).to.deep.equal([
      [false, ['big-endian section']],
      [true, ['little-endian section']],
    ]);
    expect(r.packets.map((p) => [p.section, p.interfaceId, p.tsNs, p.comment, p.dir])).to.deep.equal([
      [0, 0, 1_700_000_000_000_001_000n, 'µs packet\nsecond comment', 'sent'],
      [0, 1, 103_500_000_000n, 'binary-resolution packet', undefined],
      [1, 0, 5n, 'le packet', 'received'],
    ]);
    expect(r.packets.map((p) => Array.from(p.bytes))).to.deep.equal([frames[0], frames[2], frames[1]].map((f) => Array.from(f)));
  });

  it('reads Simple Packet Blocks and options without opt_endofopt', () => {
    const le = true;
    const spb = handBlock(le, 3, concat(bytesOf(le, [[5, 4]]), Uint8Array.of(9, 8, 7, 6, 5)));
    const noEnd = handBlock(
      le,
      6,
      concat(
        bytesOf(le, [
          [0, 4],
          [0, 4],
          [42, 4],
          [1, 4],
          [1, 4],
        ]),
        Uint8Array.of(0xaa),
      ),
      [[1, te.encode('c')]],
      false,
    );
    const r = readPcapng(concat(shb(le), idb(le, 9), spb, noEnd));
    expect(r.errors).to.deep.equal([]);
    expect(r.packets.map((p) => [Array.from(p.bytes), p.tsNs, p.comment])).to.deep.equal([
      [[9, 8, 7, 6, 5], 0n, ''],
      [[0xaa], 42n, 'c'],
    ]);
  });

  it('converts every if_tsresol form', () => {
    expect(tsToNs(1n, 6)).to.equal(1000n);
    expect(tsToNs(1n, 9)).to.equal(1n);
    expect(tsToNs(12345n, 12)).to.equal(12n);
    expect(tsToNs(1n, 0x80 | 0)).to.equal(1_000_000_000n);
    expect(tsToNs(1n << 30n, 0x80 | 30)).to.equal(1_000_000_000n);
  });

  it('never throws on truncated input and returns the packets before the cut', () => {
    const file = writePcapng(packetsIn, { shbComment: 'x' });
    const full = readPcapng(file).packets;
    const boundaries = new Set<number>();
    for (let off = 0; off < file.length;) {
      boundaries.add(off);
      off += new DataView(file.buffer).getUint32(off + 4, true);
    }
    for (let n = 0; n < file.length; n++) {
      const r = readPcapng(file.subarray(0, n));
      expect(r.packets.length).to.be.at.most(full.length);
      r.packets.forEach((p, k) => {
        expect(p.tsNs).to.equal(full[k].tsNs);
        expect(Array.from(p.bytes)).to.deep.equal(Array.from(full[k].bytes));
        expect(p.comment).to.equal(full[k].comment);
      });
      if (n === 0 || !boundaries.has(n)) expect(r.errors.length, `cut at ${n}`).to.be.greaterThan(0);
      else expect(r.errors, `cut at ${n}`).to.deep.equal([]);
    }
  });

  it('never throws on corrupted input', () => {
    const file = writePcapng(packetsIn, { shbComment: 'x' });
    let seed = 1;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    for (let k = 0; k < 2000; k++) {
      const f = file.slice();
      for (let j = 1 + rnd(4); j > 0; j--) f[rnd(f.length)] = rnd(256);
      const r = readPcapng(f);
      expect(r.packets).to.be.an('array');
      expect(r.errors).to.be.an('array');
    }
    expect(readPcapng(new Uint8Array(0)).errors).to.deep.equal(['empty input']);
    expect(readPcapng(te.encode('not a pcapng file, honest')).errors[0]).to.match(/Section Header Block/);
  });

  it('names the case and kernel in the section comment', () => {
    const c = fixtureRun().cases[1];
    const r = readPcapng(casePcapng(c));
    expect(r.errors).to.deep.equal([]);
    expect(r.shbComment).to.include(c.id).and.include(c.kernel);
    expect(r.packets.map((p) => p.comment)).to.deep.equal(c.packets.map((p) => p.comment));
    expect(r.packets.map((p) => p.tsNs)).to.deep.equal(c.packets.map((p) => p.tsNs));
  });

  describe('read by tshark (independent reader)', function () {
    let commentField: string | undefined;
    before(function () {
      const g = spawnSync('tshark', ['-G', 'fields'], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
      if (g.status !== 0 || g.error) this.skip();
      const fields = new Set(
        g.stdout
          .split('\n')
          .filter((l) => l.startsWith('F\t'))
          .map((l) => l.split('\t')[2]),
      );
      commentField = ['frame.comment', 'pkt_comment'].find((f) => fields.has(f));
      if (!commentField) this.skip();
    });

    it('lists the same comments, timestamps and lengths', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcapng-'));
      try {
        const f = path.join(dir, 'x.pcapng');
        fs.writeFileSync(f, writePcapng(packetsIn, { shbComment: 'synharness ✓' }));
        const out = spawnSync('tshark', ['-r', f, '-T', 'fields', '-E', 'separator=|', '-e', commentField!, '-e', 'frame.time_epoch', '-e', 'frame.len'], {
          encoding: 'utf8',
        });
        expect(out.status, out.stderr).to.equal(0);
        const rows = out.stdout
          .trimEnd()
          .split('\n')
          .map((l) => l.split('|'));
        expect(rows.map((r) => r[0])).to.deep.equal(packetsIn.map((p) => p.comment ?? ''));
        expect(rows.map((r) => r[1].replace('.', ''))).to.deep.equal(packetsIn.map((p) => p.tsNs.toString()));
        expect(rows.map((r) => Number(r[2]))).to.deep.equal(frames.map((x) => x.length));
        const cap = spawnSync('capinfos', ['-k', f], { encoding: 'utf8' });
        if (cap.status === 0) expect(cap.stdout).to.include('synharness ✓');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
