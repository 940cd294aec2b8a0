// The results of a whole-suite run (`node bin/synh run`, the real kernel), read back: every packet of
// every case in wire order on one clock, in summary.json and in each pcapng as tshark reads it, with
// no tshark warning that ordering caused.
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Summary } from '../../harness/report/summary';
import Ajv2020 from 'ajv/dist/2020';
import { SUMMARY_SCHEMA_FILE, SummarySchema } from '../../harness/report/summary-schema';
import { decodeEthernet } from '../../lib/wire/decode';
import { fromHex } from '../../lib/wire/bytes';
import { orderProblems, tsharkOrderWarnings, tsharkSegments, type WireSeg } from './wire-order';

function synhRun(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/synh', 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A summary.json case's packets as wire segments (our own decode of the Ethernet hex). */
function summarySegments(c: Summary['cases'][number]): WireSeg[] {
  return c.packets.flatMap((p, i) => {
    const d = decodeEthernet(fromHex(p.hex));
    if (!d.ip || !d.tcp) return [];
    const t = d.tcp;
    const span = t.payload.length + (t.flags & 0x02 ? 1 : 0) + (t.flags & 0x01 ? 1 : 0);
    return [
      { n: i + 1, tNs: BigInt(p.tsNs), src: d.ip.src, sport: t.sport, dport: t.dport, seq: t.seq, ...(t.flags & 0x10 ? { ack: t.ack } : {}), span, expert: [] },
    ];
  });
}

/** Runs `f` over `items`, `n` at a time. */
async function pool<T, R>(items: readonly T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

describe('runner results: a whole-suite run read back (real kernel)', function () {
  this.timeout(600_000);
  let tmp: string;
  let dir: string;
  let summary: Summary;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-results-'));
    const r = await synhRun(['--results', tmp, '--seed', '1']);
    // A failing case under load is not what this test is about: the results must be complete and readable.
    expect(r.code, r.stderr.slice(-2000)).to.be.oneOf([0, 1]);
    dir = fs.realpathSync(path.join(tmp, 'latest'));
    summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as Summary;
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('summary.json: in every case, each packet in time order and every reply after its stimulus', () => {
    const ran = summary.cases.filter((c) => c.packets.length);
    expect(ran.length).to.be.greaterThan(400);
    const bad = ran.flatMap((c) => {
      const problems = orderProblems(summarySegments(c));
      // the case's packets as recorded, so a failure says which clock each time came from
      const ladder = c.packets.map((p, i) => `    ${i + 1} ${p.tRelMs.toFixed(3)} ms ${p.dir} ${p.summary}${p.comment ? ` — ${p.comment}` : ''}`);
      return problems.length ? [`${c.id}: ${problems.join('; ')}`, ...ladder] : [];
    });
    expect(bad, bad.slice(0, 40).join('\n')).to.deep.equal([]);
    // The harness's own frames were all seen leaving: their times are the capture's, as the replies'.
    const unseen = ran.flatMap((c) => c.packets.filter((p) => /not seen leaving/.test(p.comment)).map(() => c.id));
    expect(unseen, unseen.join('\n')).to.deep.equal([]);
  });

  it('every pcap as tshark reads it: the same packets and times as summary.json, in order, and no ordering warning', async () => {
    const withPcap = summary.cases.filter((c) => c.pcap);
    expect(withPcap.length).to.be.greaterThan(400);
    const results = await pool(withPcap, 2, async (c) => {
      const segs = await tsharkSegments(path.join(dir, c.pcap!));
      const mine = summarySegments(c);
      const problems = [...orderProblems(segs), ...tsharkOrderWarnings(segs)];
      if (segs.map((s) => s.tNs).join() !== mine.map((s) => s.tNs).join()) problems.push("pcap times differ from summary.json's");
      const expert = segs.reduce((n, s) => n + s.expert.length, 0);
      return { id: c.id, problems, expert };
    });
    const bad = results.flatMap((r) => r.problems.map((p) => `${r.id}: ${p}`));
    expect(bad, bad.slice(0, 20).join('\n')).to.deep.equal([]);
    console.log(`      ${results.length} pcaps read by tshark, ${results.reduce((n, r) => n + r.expert, 0)} expert messages, none about ordering`);
  });

  it('junit.xml is valid against the Jenkins/Surefire JUnit schema', () => {
    const v = spawnSync('xmllint', ['--noout', '--schema', 'test/fixtures/report/junit-jenkins.xsd', path.join(dir, 'junit.xml')], { encoding: 'utf8' });
    expect(v.error, 'xmllint is missing: bash scripts/setup --test installs libxml2-utils').to.equal(undefined);
    expect(v.status, v.stderr.slice(0, 2000)).to.equal(0);
  });

  it('summary.json is valid against the shipped schema, which the run directory carries too', () => {
    const raw = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    const v = SummarySchema.safeParse(raw);
    expect(v.success, v.error?.message.slice(0, 2000)).to.equal(true);
    // and by a JSON Schema validator against the file the run directory ships
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(fs.readFileSync(path.join(dir, SUMMARY_SCHEMA_FILE), 'utf8')));
    expect(validate(raw), JSON.stringify(validate.errors)?.slice(0, 2000)).to.equal(true);
    expect(raw.$schema).to.equal(SUMMARY_SCHEMA_FILE);
    expect(fs.readFileSync(path.join(dir, SUMMARY_SCHEMA_FILE), 'utf8')).to.equal(fs.readFileSync(path.join('results', SUMMARY_SCHEMA_FILE), 'utf8'));
    // Step numbers 1-based: a failure's message names the same step as its step record.
    for (const c of summary.cases) for (const s of c.steps) expect(s.step).to.be.at.least(1);
  });
});
