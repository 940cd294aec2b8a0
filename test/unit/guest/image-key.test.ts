// The guest base image's key: what a run leaves in the mirror (code and case caches, a directory's
// time) and a mirror made again with the same content keep the image; a changed project file does not.
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { imageKey, planImage } from '../../../harness/guest/image';
import { compiledMirror } from '../../../harness/compiled-mirror';

describe('guest image key', function () {
  this.timeout(60_000);

  it('stays when a run adds cache entries to the mirror or the mirror is written again; changes with a project file', () => {
    const plan = planImage();
    const mirror = compiledMirror();
    const before = imageKey(plan);
    const cache = fs.mkdtempSync(path.join(mirror, '.code-cache-test-'));
    try {
      fs.writeFileSync(path.join(cache, 'entry'), 'x');
      // a mirror file written again with the same bytes (a new time)
      const f = path.join(mirror, 'harness', 'guest', 'image.js');
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(f, later, later);
      expect(imageKey(plan)).to.equal(before);
      // a file of the checkout the image copies, and another tree: the key changes
      const extra = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-key-'));
      try {
        fs.writeFileSync(path.join(extra, 'a'), 'a');
        const withTree = { ...plan, trees: [...plan.trees, extra] };
        const k1 = imageKey(withTree);
        expect(k1).to.not.equal(before);
        fs.writeFileSync(path.join(extra, 'a'), 'ab');
        expect(imageKey(withTree)).to.not.equal(k1);
      } finally {
        fs.rmSync(extra, { recursive: true, force: true });
      }
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
