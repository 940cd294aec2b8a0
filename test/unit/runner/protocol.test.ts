import { expect } from 'chai';
import { isDeepStrictEqual } from 'util';
import { deserialize, serialize } from 'v8';
import { discoverCaseFiles, loadCaseFile } from '../../../lib/case';
import { errorResult, type JobSpec } from '../../../harness/runner/protocol';

describe('runner/protocol: jobs to the workers', function () {
  this.timeout(60000);
  it("every case of the suite reaches a worker exactly as parsed (the IPC channel's v8 serialization: bytes, present-but-undefined fields)", () => {
    const files = discoverCaseFiles(['cases']);
    expect(files.length).to.be.greaterThan(150);
    for (const f of files) {
      const job: JobSpec = { key: 1, case: loadCaseFile(f), ip: 4, seed: 7, timeoutMs: 1000 };
      const back = deserialize(serialize({ type: 'run', job })) as { job: JobSpec };
      expect(isDeepStrictEqual(back.job, job), f).to.equal(true);
    }
  });

  it('a job that never ran gets an error result named after its case', () => {
    const c = loadCaseFile('cases/examples/closed-port-rst.yaml');
    const r = errorResult({ key: 3, case: c, ip: 6, seed: 9, timeoutMs: 1000 }, 'worker crashed', 12);
    expect(r).to.deep.include({
      id: `${c.file}#${c.name}@ipv6`,
      file: c.file,
      name: c.name,
      spec: c.spec,
      ip: 6,
      status: 'error',
      message: 'worker crashed',
      durationMs: 12,
      seed: 9,
    });
  });
});
