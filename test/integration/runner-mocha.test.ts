// The mocha entry point: case files as mocha tests (harness/runner/mocha.ts).
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { describeCases } from '../../harness/runner/mocha';

// Mixed into this suite directly: each case is one test.
describeCases(['cases/examples/closed-port-rst.yaml', 'cases/examples/ipv6-synack.yaml'], { jobs: 2 });

describe('describeCases', function () {
  this.timeout(60_000);
  it("reports a failing case with the runner's failure text as the error", () => {
    const r = spawnSync(process.execPath, [require.resolve('mocha/bin/mocha'), '--timeout', '60000', 'test/fixtures/runner/mocha-spec.ts'], {
      encoding: 'utf8',
    });
    const out = r.stdout + r.stderr;
    expect(r.status, out).to.equal(1);
    expect(out).to.match(/mixed cases/);
    expect(out).to.match(/✔ ecn-synack@ipv4/);
    expect(out).to.match(/1 passing/);
    expect(out).to.match(/1 failing/);
    expect(out).to.match(/runner-fixture-wrong-window@ipv4/);
    expect(out).to.match(/window\s+12345\s+65160/);
    expect(out).to.match(/ladder:/);
  });
});
