// Mutation test (issue 14): ≥ 2,000 seeded mutants of the suite's own case and campaign files. Every
// mutant is either accepted or refused with a positioned CaseError/CampaignError (never another
// exception, never a hang), and every mutant that writes something impossible is refused.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { discoverCaseFiles } from '../../../lib/case/discover';
import { CaseError, MAX_MESSAGE, SourceIssuesError } from '../../../lib/case/errors';
import { parseCaseText } from '../../../lib/case/parse';
import { parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { MUTATOR_NAMES, mutants } from './mutate';

const ROOT = join(__dirname, '..', '..', '..');
const SEED = Number(process.env.SYNH_MUTATION_SEED ?? 14);
const N = Number(process.env.SYNH_MUTANTS ?? 2400);
/** One file's parse may take this long before it counts as a hang (a loaded CI machine included). */
const HANG_MS = 2000;

describe(`mutation test: ${N} mutants of the suite's case and campaign files (seed ${SEED})`, function () {
  this.timeout(120_000);

  it('0 crashes, 0 hangs, every impossible mutant refused, every refusal positioned', () => {
    const campaignDir = join(ROOT, 'cases', 'campaigns');
    const files = [
      ...discoverCaseFiles([join(ROOT, 'cases')]).map((f) => ({ file: f, text: readFileSync(f, 'utf8'), campaign: false })),
      ...readdirSync(campaignDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => ({ file: join(campaignDir, f), text: readFileSync(join(campaignDir, f), 'utf8'), campaign: true })),
    ];
    const isCampaign = new Set(files.filter((f) => f.campaign).map((f) => f.file));
    const crashes: string[] = [];
    const hangs: string[] = [];
    const slipped: string[] = [];
    const badErrors: string[] = [];
    const byKind = new Map<string, { n: number; refused: number }>();
    let refused = 0;
    let slowest = 0;
    const t0 = Date.now();
    for (const m of mutants(files, SEED, N)) {
      const k = byKind.get(m.kind) ?? { n: 0, refused: 0 };
      byKind.set(m.kind, k);
      k.n++;
      const start = Date.now();
      let err: unknown;
      try {
        if (isCampaign.has(m.file)) parseCampaignText(m.text, m.file);
        else parseCaseText(m.text, m.file);
      } catch (e) {
        err = e;
      }
      const ms = Date.now() - start;
      const tag = `${m.kind} of ${m.file.slice(ROOT.length + 1)}`;
      if (ms > HANG_MS) hangs.push(`${tag}: ${ms} ms`);
      slowest = Math.max(slowest, ms);
      if (err === undefined) {
        if (m.mustReject) slipped.push(tag);
        continue;
      }
      refused++;
      k.refused++;
      if (!(err instanceof SourceIssuesError)) {
        crashes.push(`${tag}: ${String(err).slice(0, 200)}`);
        continue;
      }
      const lineCount = m.text.split(/\r\n|\r|\n/).length;
      for (const i of err.issues) {
        const ok =
          i.file === m.file &&
          i.line >= 1 &&
          i.line <= lineCount + 1 &&
          i.column >= 1 &&
          i.message.length > 0 &&
          i.message.length <= MAX_MESSAGE &&
          !/\bundefined\b|\[object Object\]|^Invalid input/.test(i.message);
        if (!ok) badErrors.push(`${tag}: ${i.file}:${i.line}:${i.column}: ${i.message.slice(0, 200)}`);
      }
      if (!isCampaign.has(m.file)) expect(err).to.be.instanceOf(CaseError);
    }
    const elapsed = Date.now() - t0;
    const summary = [...byKind]
      .sort()
      .map(([kind, k]) => `${kind} ${k.refused}/${k.n}`)
      .join(', ');
    expect(crashes, `crashes (not a positioned error):\n${crashes.slice(0, 10).join('\n')}`).to.deep.equal([]);
    expect(hangs, 'hangs').to.deep.equal([]);
    expect(slipped, `impossible mutants accepted:\n${slipped.slice(0, 10).join('\n')}`).to.deep.equal([]);
    expect(badErrors, `errors without a sane position or message:\n${badErrors.slice(0, 10).join('\n')}`).to.deep.equal([]);
    // Every mutator ran: a mutator that never finds its target tests nothing.
    for (const kind of MUTATOR_NAMES) expect(byKind.get(kind)?.n ?? 0, `mutator ${kind} never applied`).to.be.above(3);
    if (process.env.SYNH_MUTATION_VERBOSE)
      console.log(`      ${N} mutants, ${refused} refused, ${elapsed} ms, slowest ${slowest} ms; refused/made: ${summary}`);
  });
});
