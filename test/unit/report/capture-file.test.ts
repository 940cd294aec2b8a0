import { expect } from 'chai';
import { readCaptureFile, readPcap } from '../../../harness/report/capture-file';
import { writePcapng } from '../../../harness/report/pcapng';
import { classicPcap } from './pcap-fixture';

describe('report/capture-file: pcap and pcapng', () => {
  const frames = [
    { tsNs: 1_765_000_000_123_456_000n, bytes: new Uint8Array([1, 2, 3]) },
    { tsNs: 1_765_000_001_000_001_000n, bytes: new Uint8Array([4, 5]) },
  ];

  it('classic pcap, µs and ns, little- and big-endian: frames, times and link type', () => {
    for (const le of [true, false]) {
      for (const ns of [false, true]) {
        const r = readPcap(classicPcap(frames, { le, ns, linkType: 101 }));
        expect(r.errors).to.deep.equal([]);
        expect(r.frames.map((f) => [f.tsNs, [...f.bytes], f.linkType])).to.deep.equal([
          [frames[0].tsNs, [1, 2, 3], 101],
          [frames[1].tsNs, [4, 5], 101],
        ]);
      }
    }
  });

  it('a cut file keeps the frames before the cut and names the offset', () => {
    const whole = classicPcap(frames);
    const r = readPcap(whole.subarray(0, whole.length - 1));
    expect(r.frames).to.have.length(1);
    expect(r.errors).to.deep.equal(['truncated packet at offset 43: it claims 2 byte(s), 1 left']);
  });

  it('not a capture: the magic is named', () => {
    expect(readCaptureFile(new TextEncoder().encode('root:x:0:0:root:/root:/bin/bash\n')).errors).to.deep.equal([
      'not a pcap or pcapng file: magic 0x726f6f74',
    ]);
    expect(readCaptureFile(new Uint8Array(3)).errors[0]).to.match(/^not a pcap file: 3 byte\(s\)/);
  });

  it('pcapng goes to the pcapng reader, with direction flags', () => {
    const r = readCaptureFile(
      writePcapng([
        { ...frames[0], dir: 'sent' },
        { ...frames[1], dir: 'received' },
      ]),
    );
    expect(r.format).to.equal('pcapng');
    expect(r.frames.map((f) => [f.tsNs, f.dir, f.linkType])).to.deep.equal([
      [frames[0].tsNs, 'sent', 1],
      [frames[1].tsNs, 'received', 1],
    ]);
  });
});
