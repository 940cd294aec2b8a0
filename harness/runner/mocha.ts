// Case files as mocha tests, for mixing them into an existing mocha suite:
//
//   import { describeCases } from '../harness/runner/mocha';
//   describeCases(['cases/passive-open'], { jobs: 4 });
//
// One `it` per case and address family ("name@ipv4"). The cases start on the worker pool as soon as
// the block's `before` runs (slowest first, as in `synh run`), so they run in parallel while mocha
// reports them one by one; a failing case's error is the runner's failure text (field diffs, the
// model's reasons, unexpected packets, ladder). Case files that do not load make describeCases throw
// at load time with every problem, file:line:column.
import { discoverCaseFiles, loadCaseFiles } from '../../lib/case';
import { formatCaseFailure } from '../report/diff-text';
import { caseLabel, type CaseResult } from '../report/types';
import { WorkerPool } from './pool';
import { submitWithReruns } from './rerun';
import { freshSeed, planJobs } from './suite';

export interface DescribeCasesOptions {
  /** Worker processes (default 2). */
  jobs?: number;
  /** Cases at a time per worker (default 4). */
  lanes?: number;
  filter?: string[];
  ip?: 4 | 6 | 'both';
  seed?: number;
  /** Per-case timeout, ms (default: from each case's steps). */
  timeoutMs?: number;
  /** Title of the describe block (default: "synharness cases in <paths>"). */
  title?: string;
}

/** A failure whose message is the runner's own account (no stack: the case file is the source). */
class CaseFailure extends Error {
  constructor(text: string) {
    super(text);
    this.name = 'CaseFailure';
    this.stack = `${this.name}: ${text}`;
  }
}

export function describeCases(paths: readonly string[], o: DescribeCasesOptions = {}): void {
  const files = discoverCaseFiles(paths, o.filter?.length ? { filter: o.filter } : {});
  const cases = loadCaseFiles(files);
  const seed = o.seed ?? freshSeed();
  const plan = planJobs(cases, { ip: o.ip, seed, timeoutMs: o.timeoutMs });
  describe(o.title ?? `synharness cases in ${paths.join(', ')}`, function () {
    let pool: WorkerPool | undefined;
    const pending = new Map<number, Promise<CaseResult>>();
    before(function () {
      pool = new WorkerPool({ jobs: o.jobs ?? 2, lanes: o.lanes ?? 4 });
      for (const p of plan) if (!p.skip) pending.set(p.order, submitWithReruns(pool, p.job));
    });
    after(async function () {
      this.timeout(30_000);
      await pool?.close();
    });
    for (const p of [...plan].sort((a, b) => a.order - b.order)) {
      it(caseLabel({ name: p.case.name, ip: p.ip }), async function () {
        if (p.skip) this.skip();
        // The case may have been waiting for a worker since `before`: allow for the whole queue.
        this.timeout(0);
        const r = await pending.get(p.order)!;
        if (r.status === 'skip') this.skip();
        if (r.status !== 'pass') throw new CaseFailure(formatCaseFailure(r));
      });
    }
  });
}
