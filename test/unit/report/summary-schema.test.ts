// summary.json against its schema: the zod definition the writer's types come from, and the JSON
// Schema generated from it and shipped as results/summary.schema.json (kept fresh here).
import { expect } from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';
import { toSummary } from '../../../harness/report/summary';
import { SUMMARY_SCHEMA_FILE, SummarySchema, summaryJsonSchema, summaryJsonSchemaText } from '../../../harness/report/summary-schema';
import { decodeIp } from '../../../lib/wire/decode';
import { fromHex } from '../../../lib/wire/bytes';
import { fixtureRun } from './fixture';
import Ajv2020 from 'ajv/dist/2020';

const SHIPPED = join(__dirname, '..', '..', '..', 'results', SUMMARY_SCHEMA_FILE);

describe('report/summary.json schema', () => {
  const run = fixtureRun();
  const s = JSON.parse(JSON.stringify(toSummary(run, { pcapPaths: new Map([[run.cases[1].id, 'pcap/x.pcapng']]) })));

  it(`results/${SUMMARY_SCHEMA_FILE} equals a fresh generation (run scripts/gen-summary-schema.ts if not)`, () => {
    expect(readFileSync(SHIPPED, 'utf8')).to.equal(summaryJsonSchemaText());
  });

  it('the shipped JSON Schema itself, read by a JSON Schema validator (Ajv, draft 2020-12), accepts the summary and refuses the same breakages', () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(SHIPPED, 'utf8')));
    expect(validate(s), JSON.stringify(validate.errors)).to.equal(true);
    const broken = (f: (x: typeof s) => void): boolean => {
      const x = JSON.parse(JSON.stringify(s));
      f(x);
      return validate(x) as boolean;
    };
    expect(broken((x) => (x.cases[1].extra = 1))).to.equal(false);
    expect(broken((x) => (x.cases[1].steps[0].step = 0))).to.equal(false);
    expect(broken((x) => (x.cases[1].packets[0].hex = 'XYZ'))).to.equal(false);
    expect(broken((x) => delete x.runId)).to.equal(false);
  });

  it('a summary validates; an unknown key, a 0 step number or a bad hex does not', () => {
    const ok = SummarySchema.safeParse(s);
    expect(ok.success, ok.error?.message).to.equal(true);
    const bad = (f: (x: typeof s) => void): boolean => {
      const x = JSON.parse(JSON.stringify(s));
      f(x);
      return SummarySchema.safeParse(x).success;
    };
    expect(bad((x) => (x.cases[1].extra = 1))).to.equal(false);
    expect(bad((x) => (x.cases[1].steps[0].step = 0))).to.equal(false);
    expect(bad((x) => (x.cases[1].packets[0].hex = 'XYZ'))).to.equal(false);
    expect(bad((x) => (x.cases[1].packets[0].tsNs = 12))).to.equal(false);
  });

  it('step numbers are 1-based as the case file counts them, in steps, diffs and the failure text', () => {
    const c = run.cases[1];
    expect(s.cases[1].steps.map((x: { step: number }) => x.step)).to.deep.equal(c.steps.map((x) => x.index + 1));
    const failed = c.steps.find((x) => !x.ok)!;
    expect(s.cases[1].diffs.every((d: { step: number }) => d.step === failed.index + 1)).to.equal(true);
    expect(s.cases[1].message ?? '').to.not.match(new RegExp(`step ${failed.index} `));
  });

  it('each IP packet also as hex from the IP header, which decodes as the same packet', () => {
    for (const p of s.cases[1].packets as Array<{ hex: string; ipHex?: string }>) {
      expect(p.ipHex).to.equal(p.hex.slice(28));
      expect(decodeIp(fromHex(p.ipHex!)).tcp).to.not.equal(undefined);
    }
  });

  it('the JSON Schema is draft 2020-12, closed objects, with the run and case fields required', () => {
    const j = summaryJsonSchema() as { $schema: string; required: string[]; additionalProperties: boolean };
    expect(j.$schema).to.equal('https://json-schema.org/draft/2020-12/schema');
    expect(j.additionalProperties).to.equal(false);
    expect(j.required).to.include.members(['schema', 'runId', 'kernel', 'totals', 'cases']);
    expect(s.$schema).to.equal(SUMMARY_SCHEMA_FILE);
  });
});
