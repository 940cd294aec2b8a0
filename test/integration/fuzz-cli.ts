// A campaign given as YAML text, run through the CLI (`synh fuzz FILE --results DIR`) on the real kernel:
// its summary.json. Shared by the integration tests that check a campaign's findings and rules.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

export interface FuzzRunSummary {
  probes: number;
  findings: unknown[];
  rules: string[];
}

/** Writes `text` (campaign `name`) into `dir`, runs `synh fuzz` on it (it must exit 0) and reads its summary. */
export function fuzzCampaignText(dir: string, name: string, text: string): FuzzRunSummary {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, text);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'synh'), 'fuzz', file, '--results', dir], { encoding: 'utf8' });
  expect(r.status, r.stderr + r.stdout.slice(-2000)).to.equal(0);
  return JSON.parse(fs.readFileSync(path.join(dir, 'fuzz', name, 'summary.json'), 'utf8')) as FuzzRunSummary;
}
