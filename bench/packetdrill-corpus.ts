// The packetdrill corpus (../shared/packetdrill: google/packetdrill's handshake scripts, run from
// there) as a user runs it: `synh run` on every script that compiles, both families, --jobs 2
// (SYNH_JOBS), from the command's start to its exit. Next to it: packetdrill's own cost, 0.59 s
// median per handshake script run serially (measured on this machine earlier, issue 12), for the
// same scripts. Prints figures; asserts nothing. Target: the corpus in ≤ 5 s.
// Run: node -r ts-node/register/transpile-only bench/packetdrill-corpus.ts
import { spawnSync } from 'child_process';
import { loadScriptFile } from '../harness/packetdrill/load';
import { estimateCase } from '../harness/runner/estimate';
import { corpusScripts } from '../test/unit/packetdrill/corpus';

const PACKETDRILL_MEDIAN_S = 0.59;
const jobs = Number(process.env.SYNH_JOBS ?? 2);
const all = corpusScripts();
const t0 = process.hrtime.bigint();
const compiled = all.flatMap((f) => {
  try {
    return [{ f, c: loadScriptFile(f) }];
  } catch {
    return [];
  }
});
const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
const runs = compiled.reduce((n, x) => n + x.c.families.length, 0);
const waits = compiled.reduce((ms, x) => ms + estimateCase(x.c).minMs * x.c.families.length, 0);
const longest = Math.max(...compiled.map((x) => estimateCase(x.c).minMs));

const t1 = process.hrtime.bigint();
const r = spawnSync(process.execPath, ['bin/synh', 'run', ...compiled.map((x) => x.f), '--jobs', String(jobs), '--no-write', '--seed', '1'], {
  encoding: 'utf8',
});
const wall = Number(process.hrtime.bigint() - t1) / 1e9;
const summary = r.stdout.trimEnd().split('\n').slice(-2, -1)[0] ?? r.stderr;
console.log(
  `packetdrill corpus: ${all.length} scripts, ${compiled.length} compile (all ${all.length} parsed and compiled in ${compileMs.toFixed(0)} ms), ${runs} runs (script × family)`,
);
console.log(`  the scripts' own times (waits, blocking calls, timers) total ${(waits / 1000).toFixed(1)} s, the longest ${(longest / 1000).toFixed(1)} s`);
console.log(`  synh run --jobs ${jobs}: ${wall.toFixed(1)} s wall (exit ${r.status}) — target ≤ 5 s`);
console.log(
  `  packetdrill, serial at its ${PACKETDRILL_MEDIAN_S} s median: ~${(compiled.length * PACKETDRILL_MEDIAN_S).toFixed(1)} s for these ${compiled.length} scripts in one family, ~${(runs * PACKETDRILL_MEDIAN_S).toFixed(1)} s for the ${runs} runs`,
);
console.log(`  ${summary}`);
