// Result directories read back for synh compare: `latest`, baseline names, and runs made by an older or
// newer synharness (a clear message, never a crash or a silent empty compare).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadRun, resolveRunDir } from '../../../harness/report/load-run';
import { SUMMARY_SCHEMA } from '../../../harness/report/summary';
import { COMPARABLE_SCHEMA } from '../../../lib/compare/types';

function summary(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    schema: SUMMARY_SCHEMA,
    runId: 'r1',
    startedAt: '2026-12-07T00:00:00Z',
    kernel: '6.1.0-28-cloud-amd64',
    totals: { total: 1, pass: 1, fail: 0, error: 0, skip: 0 },
    cases: [{ id: 'cases/x.yaml#x@ipv4', status: 'pass', kernel: '6.1.0-28-cloud-amd64', modelProfile: '6.1', sysctls: {}, steps: [], diffs: [], packets: [] }],
    ...extra,
  };
}

describe('report/load-run', () => {
  let tmp: string;
  const write = (dir: string, s: unknown): string => {
    const d = path.join(tmp, dir);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'summary.json'), typeof s === 'string' ? s : JSON.stringify(s));
    return d;
  };
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-load-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a current run loads with its comparable packets', () => {
    const d = write('run', summary({ comparableSchema: COMPARABLE_SCHEMA, cases: [{ ...(summary({}).cases as object[])[0], comparable: { steps: [] } }] }));
    const r = loadRun(d);
    assert.equal(r.note, undefined);
    assert.equal(r.view.comparable, true);
    assert.deepEqual(r.view.cases[0].comparable, { steps: [] });
  });

  it('a run made before the comparable form loads for statuses, with a note saying so', () => {
    const r = loadRun(write('old', summary({})), 'old');
    assert.equal(r.view.comparable, false);
    assert.match(r.note!, /^old was made by an older synharness .*re-run it/);
  });

  it('a newer or foreign summary is a clear error', () => {
    assert.throws(() => loadRun(write('new', summary({ schema: 'synharness-summary/99' }))), /made by a newer synharness .*update synharness/);
    assert.throws(() => loadRun(write('newc', summary({ comparableSchema: 'synharness-comparable/99' }))), /made by a newer synharness/);
    assert.throws(() => loadRun(write('foreign', { schema: 'kcidb' })), /not a synharness summary/);
    assert.throws(() => loadRun(write('cut', '{"schema": "synh')), /cannot read it as JSON .*interrupted/);
  });

  it('resolves latest, a baseline name and a path; says what to do when none is there', () => {
    const root = path.join(tmp, 'results');
    const run = write('results/20261207T000000Z-x', summary({}));
    fs.symlinkSync(path.basename(run), path.join(root, 'latest'));
    write('results/baselines/good', summary({}));
    assert.equal(resolveRunDir('latest', root), fs.realpathSync(run));
    assert.equal(resolveRunDir('good', root), fs.realpathSync(path.join(root, 'baselines/good')));
    assert.equal(resolveRunDir(run, root), fs.realpathSync(run));
    assert.throws(() => resolveRunDir('nope', root), /nope: not a results directory .*baseline name/);
    assert.throws(() => resolveRunDir('latest', path.join(tmp, 'empty')), /run `synh run` first/);
  });
});
