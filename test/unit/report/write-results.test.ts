// Run ids taken atomically (a name that appears while a run is written is never written into or
// replaced: the run takes the next one) and write failures described as one line with the path.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeRun } from '../../../harness/report/results-dir';
import { describeWriteFailure, writeFailureLine, writeRunFreshId } from '../../../harness/report/write-results';
import { fixtureRun } from './fixture';

describe('report/write-results', () => {
  let root: string;
  beforeEach(() => {
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synh-wr-')), 'results');
    fs.mkdirSync(root);
  });
  afterEach(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

  it('takes base, base-2, base-3 as runs of the same second arrive, and points latest at the last', () => {
    const ids = [1, 2, 3].map(() => writeRunFreshId(root, fixtureRun(), 'T-k').written!.runId);
    expect(ids).to.deep.equal(['T-k', 'T-k-2', 'T-k-3']);
    expect(fs.readlinkSync(path.join(root, 'latest'))).to.equal('T-k-3');
    for (const id of ids) expect(JSON.parse(fs.readFileSync(path.join(root, id, 'summary.json'), 'utf8')).runId).to.equal(id);
  });

  it('a name taken while writing (even by an empty directory) is left alone: the run moves to the next one', () => {
    const run = fixtureRun();
    let first = true;
    const out = writeRunFreshId(root, run, 'T-k', {
      afterFile: () => {
        if (!first) return;
        first = false;
        fs.mkdirSync(path.join(root, 'T-k')); // another run got there first; plain rename(2) would replace it
        fs.writeFileSync(path.join(root, 'T-k', 'theirs'), 'x');
      },
    });
    expect(out.error).to.equal(undefined);
    expect(out.written!.runId).to.equal('T-k-2');
    expect(run.runId).to.equal('T-k-2');
    expect(fs.readdirSync(path.join(root, 'T-k'))).to.deep.equal(['theirs']);
    expect(fs.readdirSync(root).sort()).to.deep.equal(['T-k', 'T-k-2', 'latest']);
    const empty = path.join(root, 'T-x');
    fs.mkdirSync(empty);
    expect(() => writeRun(root, { ...fixtureRun(), runId: 'T-x' })).to.throw(/already exists/);
  });

  it('a failure is returned, not thrown, with the path and what to do', () => {
    const file = path.join(path.dirname(root), 'afile');
    fs.writeFileSync(file, '');
    const out = writeRunFreshId(path.join(file, 'results'), fixtureRun(), 'T-k');
    expect(out.written).to.equal(undefined);
    expect(writeFailureLine('synh run', out.error!)).to.equal(
      `synh run: could not write results to ${file}: File exists (EEXIST) — a file is in the way: give --results a directory; the verdicts above stand`,
    );
  });

  it('names the results root for the staging directory, the run directory for a file in it', () => {
    const err = (p: string, code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code, path: p });
    expect(describeWriteFailure(err(path.join(root, '.tmp-T-k-123'), 'EROFS'), root, 'T-k')).to.include({
      path: root,
      text: 'Read-only file system',
      code: 'EROFS',
    });
    expect(describeWriteFailure(err(path.join(root, '.tmp-T-k-123', 'pcap', 'a.pcapng'), 'ENOSPC'), root, 'T-k')).to.include({
      path: path.join(root, 'T-k'),
      code: 'ENOSPC',
    });
    expect(describeWriteFailure(Object.assign(new Error('x'), { code: 'EDQUOT' }), root, 'T-k').hint).to.match(/free space/);
    expect(describeWriteFailure(new Error('odd'), root, 'T-k')).to.include({ path: path.join(root, 'T-k'), text: 'odd' });
  });
});
