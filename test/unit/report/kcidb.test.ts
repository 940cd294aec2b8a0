// kcidb.json against the KCIDB I/O schema v5.3 field list (kcidb-v5.3.ts): every status, awkward names,
// ids as origin:local-id linking tests → build → checkout, dotted paths, the failure text as
// log_excerpt, the kernel identity on the checkout and build; and the checker itself catches what the
// schema forbids.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkKcidbOrigin, kcidbPath, toKcidb, KCIDB_LOG_EXCERPT_MAX } from '../../../harness/report/kcidb';
import { writeRun } from '../../../harness/report/results-dir';
import { fixtureRun } from './fixture';
import { kcidbV53Problems } from './kcidb-v5.3';

describe('report/kcidb (KCIDB I/O schema v5.3)', () => {
  const run = { ...fixtureRun(), kernelIdentity: { version: '#1 SMP PREEMPT_DYNAMIC', arch: 'x64', configSha256: 'ab'.repeat(32) } };

  it('the fixture run (every status, awkward names) is a valid v5.3 submission', () => {
    const k = toKcidb(run, { origin: 'my_lab' });
    assert.deepEqual(kcidbV53Problems(JSON.parse(JSON.stringify(k))), []);
    assert.deepEqual(k.version, { major: 5, minor: 3 });
    assert.equal(k.tests.length, run.cases.length);
    const build = k.builds[0];
    assert.equal(build.checkout_id, k.checkouts[0].id);
    assert.equal(build.architecture, 'x86_64');
    assert.deepEqual(build.misc, { kernel_release: run.kernel, kernel_version: '#1 SMP PREEMPT_DYNAMIC', config_sha256: 'ab'.repeat(32) });
    for (const t of k.tests) {
      assert.equal(t.build_id, build.id);
      assert.match(String(t.id), /^my_lab:/);
      assert.match(String(t.path), /^synharness\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.ipv[46]$/);
    }
    const byStatus = new Map(run.cases.map((c, i) => [c.status, k.tests[i]]));
    assert.deepEqual([...byStatus.keys()].sort(), ['error', 'fail', 'pass', 'skip']);
    assert.equal(byStatus.get('fail')!.status, 'FAIL');
    assert.equal(byStatus.get('error')!.status, 'ERROR');
    assert.equal(byStatus.get('skip')!.status, 'SKIP');
    assert.ok(String(byStatus.get('fail')!.log_excerpt).length > 0);
    assert.equal(byStatus.get('pass')!.log_excerpt, undefined);
  });

  it('paths: synharness.<area>.<case>.<family>', () => {
    assert.equal(
      kcidbPath({ file: 'cases/passive-open/syn.yaml', name: 'passive-syn-creates-request', ip: 6 }),
      'synharness.passive-open.passive-syn-creates-request.ipv6',
    );
    assert.equal(kcidbPath({ file: '/tmp/x/cases/a/b/c.yaml', name: 'odd.name with spaces', ip: 4 }), 'synharness.a_b.odd_name_with_spaces.ipv4');
    assert.equal(kcidbPath({ file: 'toplevel.yaml', name: '#', ip: 4 }), 'synharness.cases._.ipv4');
  });

  it('a failure text longer than the schema allows is cut to it', () => {
    const big = { ...run, cases: [{ ...run.cases.find((c) => c.status === 'fail')!, message: 'x'.repeat(40_000) }] };
    const k = toKcidb(big);
    assert.deepEqual(kcidbV53Problems(k), []);
    assert.ok(Array.from(String(k.tests[0].log_excerpt)).length <= KCIDB_LOG_EXCERPT_MAX);
  });

  it('origins outside [a-z0-9_] are refused with what to use', () => {
    assert.throws(() => checkKcidbOrigin('My-Lab'), /use lowercase letters, digits and _/);
    assert.equal(checkKcidbOrigin('lab_2'), 'lab_2');
  });

  it('the checker catches what v5.3 forbids', () => {
    const k = JSON.parse(JSON.stringify(toKcidb(run))) as ReturnType<typeof toKcidb>;
    k.tests[0].status = 'pass';
    k.tests[0].path = 'synharness..x';
    k.tests[1].id = 'no-origin';
    k.tests[1].bogus = 1;
    k.builds[0].comment = null;
    delete k.builds[0].checkout_id;
    (k.version as { major: number }).major = 4;
    const p = kcidbV53Problems(k);
    for (const re of [
      /tests\[0\]\.status/,
      /tests\[0\]\.path/,
      /tests\[1\]\.id/,
      /unknown field bogus/,
      /builds\[0\]\.comment: null/,
      /required field checkout_id/,
      /version\.major/,
    ]) {
      assert.ok(
        p.some((x) => re.test(x)),
        `${re} in ${p.join('\n')}`,
      );
    }
  });

  it('every written run has kcidb.json', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-kcidb-'));
    try {
      const w = writeRun(tmp, run, undefined, { kcidb: { origin: 'ci_lab' } });
      assert.ok(w.files.includes('kcidb.json'));
      const k = JSON.parse(fs.readFileSync(path.join(w.dir, 'kcidb.json'), 'utf8'));
      assert.deepEqual(kcidbV53Problems(k), []);
      assert.equal(k.checkouts[0].origin, 'ci_lab');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
