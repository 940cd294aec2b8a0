import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { mergeInto } from '../../../harness/guest/run-in-guest';

describe("guest/merge-into: a guest's results join this machine's root without mixing runs", () => {
  it('a run id already there takes the next free name; other trees (fuzz checkpoints) are merged', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-merge-'));
    try {
      const src = path.join(tmp, 'src');
      const dest = path.join(tmp, 'dest');
      const id = '20261207T120000Z-6.1.0-57-cloud-amd64';
      for (const root of [src, dest]) {
        fs.mkdirSync(path.join(root, id), { recursive: true });
        fs.writeFileSync(path.join(root, id, 'summary.json'), root === src ? '{"guest":1}' : '{"host":1}');
        fs.mkdirSync(path.join(root, 'fuzz', 'c'), { recursive: true });
        fs.writeFileSync(path.join(root, 'fuzz', 'c', root === src ? 'guest.json' : 'host.json'), '{}');
      }
      const merged: string[] = [];
      const renamed = mergeInto(src, dest, merged);
      expect(renamed.get(id)).to.equal(`${id}-2`);
      expect(merged).to.include(`${id}-2`);
      expect(fs.readFileSync(path.join(dest, id, 'summary.json'), 'utf8')).to.equal('{"host":1}');
      expect(fs.readFileSync(path.join(dest, `${id}-2`, 'summary.json'), 'utf8')).to.equal('{"guest":1}');
      expect(fs.readdirSync(path.join(dest, 'fuzz', 'c')).sort()).to.deep.equal(['guest.json', 'host.json']);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
