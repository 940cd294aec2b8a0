import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CpioWriter } from '../../../harness/guest/cpio';

interface Read {
  name: string;
  mode: number;
  data: Buffer;
}

/** A newc reader written from the format's description (the kernel's initramfs unpacker reads the same). */
function readNewc(buf: Buffer): Read[] {
  const out: Read[] = [];
  let at = 0;
  const pad = (n: number): number => (n + 3) & ~3;
  for (;;) {
    expect(buf.toString('latin1', at, at + 6)).to.equal('070701');
    const field = (i: number): number => parseInt(buf.toString('latin1', at + 6 + i * 8, at + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const name = buf.toString('latin1', at + 110, at + 110 + nameSize - 1);
    expect(buf[at + 110 + nameSize - 1]).to.equal(0);
    const dataAt = pad(at + 110 + nameSize);
    if (name === 'TRAILER!!!') return out;
    out.push({ name, mode, data: buf.subarray(dataAt, dataAt + size) });
    at = pad(dataAt + size);
  }
}

describe('guest initramfs (newc cpio writer)', () => {
  it('writes directories, files and symlinks the kernel can unpack, once each, with a trailer', () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synh-cpio-')), 'a.cpio');
    const fd = fs.openSync(f, 'w');
    const w = new CpioWriter(fd);
    w.add({ kind: 'dir', name: '/synh' });
    w.add({ kind: 'file', name: '/synh/run.sh', mode: 0o755, data: Buffer.from('echo hi\n') });
    w.add({ kind: 'file', name: '/synh/run.sh', data: Buffer.from('ignored') });
    w.add({ kind: 'symlink', name: '/bin/sh', target: '/usr/bin/dash' });
    w.add({ kind: 'file', name: '/odd', data: Buffer.from([1, 2, 3, 4, 5]) });
    expect(w.has('/synh/run.sh')).to.equal(true);
    w.finish();
    fs.closeSync(fd);
    const buf = fs.readFileSync(f);
    expect(buf.length % 4).to.equal(0);
    const entries = readNewc(buf);
    expect(entries.map((e) => e.name)).to.deep.equal(['synh', 'synh/run.sh', 'bin/sh', 'odd']);
    expect(entries[0].mode).to.equal(0o040755);
    expect(entries[1].mode).to.equal(0o100755);
    expect(entries[1].data.toString()).to.equal('echo hi\n');
    expect(entries[2].mode & 0o170000).to.equal(0o120000);
    expect(entries[2].data.toString()).to.equal('/usr/bin/dash');
    expect([...entries[3].data]).to.deep.equal([1, 2, 3, 4, 5]);
    fs.rmSync(path.dirname(f), { recursive: true });
  });
});
