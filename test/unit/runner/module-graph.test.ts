import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { compiledMirror } from '../../../harness/compiled-mirror';

// What a process loads before it can work costs seconds under TCG (JavaScript ~17x slower in a guest):
// a runner worker gets its cases parsed (protocol.ts) and never needs the YAML library, the case
// schema or zod; the CLI registers every command without loading what each needs.
const HEAVY = /node_modules\/(yaml|zod)\/|lib\/case\/(index|parse|schema)\.js$|harness\/report\/html\//;

function loaded(entry: string, then = ''): string[] {
  const mirror = compiledMirror();
  const r = spawnSync(
    process.execPath,
    ['-e', `require(${JSON.stringify(path.join(mirror, entry))}); ${then}; process.stdout.write(JSON.stringify(Object.keys(require.cache))); process.exit(0)`],
    { encoding: 'utf8', timeout: 30000 },
  );
  expect(r.status, r.stderr).to.equal(0);
  return JSON.parse(r.stdout) as string[];
}

describe('module graph: what each process loads at start', function () {
  this.timeout(60000);
  it('a runner worker loads no YAML library, case parser, schema or zod', () => {
    const heavy = loaded('harness/runner/worker.js').filter((m) => HEAVY.test(m));
    expect(heavy).to.deep.equal([]);
  });
  it('the CLI loads none of them before a command runs', () => {
    const heavy = loaded('harness/cli/main.js').filter((m) => HEAVY.test(m));
    expect(heavy).to.deep.equal([]);
  });
});
