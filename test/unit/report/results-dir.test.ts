import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readPcapng } from '../../../harness/report/pcapng';
import { isSafeRunId, makeRunId, pcapFileNames, removeStaleTemps, sanitizeFileName, writeFileAtomic, writeRun } from '../../../harness/report/results-dir';
import type { RunResult } from '../../../harness/report/types';
import { fixtureRun } from './fixture';
import { kids, parseXml } from './xml-reader';

const REPO = path.resolve(__dirname, '../../..');

/** Every file under dir (relative path → content hex), symlinks as "-> target". */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) out.set(r, `-> ${fs.readlinkSync(p)}`);
      else if (e.isDirectory()) walk(p, r);
      else out.set(r, fs.readFileSync(p).toString('hex'));
    }
  };
  walk(dir, '');
  return out;
}

function runWithId(runId: string): RunResult {
  return { ...fixtureRun(), runId };
}

describe('report/results-dir', () => {
  let root: string;
  beforeEach(() => {
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synh-results-')), 'results');
  });
  afterEach(() => {
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  });

  it('makes filesystem-safe run ids', () => {
    expect(makeRunId(new Date('2026-11-21T19:37:00.456Z'), '6.18.44-fc-v657')).to.equal('20261121T193700Z-6.18.44-fc-v657');
    expect(makeRunId(new Date(Date.UTC(2027, 0, 2, 3, 4, 5)), '5.15.0+ #1 SMP/x')).to.equal('20270102T030405Z-5.15.0_1_SMP_x');
    expect(makeRunId(new Date('2026-11-21T19:37:00Z'), '../..')).to.equal('20261121T193700Z-unknown');
    expect(makeRunId(new Date('2026-11-21T19:37:00Z'), '')).to.equal('20261121T193700Z-unknown');
    expect(() => makeRunId(new Date('nope'), 'x')).to.throw(/invalid date/);
    expect(isSafeRunId(makeRunId(new Date(), 'naïve kernel ✓'))).to.equal(true);
    expect(isSafeRunId('../x')).to.equal(false);
    expect(isSafeRunId('latest')).to.equal(false);
  });

  it('gives every case a distinct, safe pcap name', () => {
    expect(sanitizeFileName('cases/syn/basic.yaml#plain SYN@ipv4')).to.equal('cases_syn_basic.yaml--plain_SYN@ipv4');
    expect(sanitizeFileName('../../etc/passwd')).to.equal('etc_passwd');
    const ids = ['a/b#c@ipv4', 'a_b#c@ipv4', 'A/B#C@ipv4', `x#${'y'.repeat(400)}@ipv4`, 'ü#ü@ipv6'];
    const names = pcapFileNames(ids);
    const values = [...names.values()];
    expect(new Set(values.map((v) => v.toLowerCase())).size).to.equal(ids.length);
    for (const v of values) {
      expect(v).to.match(/^pcap\/[A-Za-z0-9][A-Za-z0-9._@+=-]*\.pcapng$/);
      expect(Buffer.byteLength(path.basename(v))).to.be.below(255);
    }
  });

  it('a report page that fails to build costs nothing else: index.html says so, the rest is written', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const page = require('../../../harness/report/html/page');
    const real = page.toHtmlReport;
    page.toHtmlReport = () => {
      throw new Error('planted <bug>');
    };
    try {
      const run = { ...fixtureRun(), runId: 'run-html-bug' };
      const w = writeRun(root, run);
      expect(w.files).to.include.members(['summary.json', 'junit.xml', 'index.html']);
      const html = fs.readFileSync(path.join(w.dir, 'index.html'), 'utf8');
      expect(html).to.include('could not be made').and.include('planted &#60;bug&#62;');
    } finally {
      page.toHtmlReport = real;
    }
  });

  it('writes the run layout and points latest at it', () => {
    const run = fixtureRun();
    const w = writeRun(root, run);
    expect(w.dir).to.equal(path.join(root, run.runId));
    expect(fs.readlinkSync(path.join(root, 'latest'))).to.equal(run.runId);
    const files = [...snapshot(w.dir).keys()].sort();
    // the pass and the fail case have packets; the others get no pcap
    expect(files).to.deep.equal(
      [
        'index.html',
        'junit.xml',
        'kcidb.json',
        'ktap.txt',
        'pcap/cases_basic_syn.yaml--plain_SYN_gets_SYN-ACK@ipv4.pcapng',
        'pcap/cases_basic_syn.yaml--weird_--3_na_ve_ctl_0m_tab@ipv6.pcapng',
        'summary.json',
        'summary.schema.json',
      ].sort(),
    );
    expect(fs.readdirSync(root).sort()).to.deep.equal([run.runId, 'latest']);

    const summary = JSON.parse(fs.readFileSync(path.join(root, 'latest', 'summary.json'), 'utf8'));
    expect(summary.runId).to.equal(run.runId);
    expect(summary.totals).to.deep.equal({ total: 5, pass: 2, fail: 1, error: 1, skip: 1 });
    const failCase = summary.cases[1];
    expect(failCase.pcap).to.equal('pcap/cases_basic_syn.yaml--weird_--3_na_ve_ctl_0m_tab@ipv6.pcapng');
    const pcap = readPcapng(fs.readFileSync(path.join(w.dir, failCase.pcap)));
    expect(pcap.errors).to.deep.equal([]);
    expect(pcap.packets.map((p) => p.comment)).to.deep.equal(run.cases[1].packets.map((p) => p.comment));
    expect(pcap.shbComment).to.include(run.cases[1].id);
    expect(kids(parseXml(fs.readFileSync(path.join(w.dir, 'junit.xml'), 'utf8')), 'testsuite')).to.have.length(3);
    expect(fs.readFileSync(path.join(w.dir, 'ktap.txt'), 'utf8')).to.match(/^KTAP version 1\n1\.\.5\n/);
  });

  it('uses the pcaps it is given', () => {
    const run = fixtureRun();
    const given = new Map([[run.cases[2].id, Uint8Array.of(1, 2, 3)]]);
    const w = writeRun(root, run, given);
    expect(fs.readFileSync(path.join(w.dir, w.pcaps.get(run.cases[2].id)!))).to.deep.equal(Buffer.from([1, 2, 3]));
    expect(w.pcaps.size).to.equal(3);
  });

  it('repoints latest and keeps earlier runs', () => {
    writeRun(root, runWithId('run-a'));
    const a = snapshot(path.join(root, 'run-a'));
    writeRun(root, runWithId('run-b'));
    expect(fs.readlinkSync(path.join(root, 'latest'))).to.equal('run-b');
    expect(snapshot(path.join(root, 'run-a'))).to.deep.equal(a);
    expect(() => writeRun(root, runWithId('run-b'))).to.throw(/already exists/);
    expect(() => writeRun(root, runWithId('../evil'))).to.throw(/not a safe directory name/);
    expect(fs.readdirSync(root).sort()).to.deep.equal(['latest', 'run-a', 'run-b']);
  });

  it('leaves the previous run and latest untouched when writing fails half-way', () => {
    writeRun(root, runWithId('run-a'));
    const before = snapshot(root);
    let written = 0;
    expect(() =>
      writeRun(root, runWithId('run-b'), undefined, {
        afterFile: () => {
          if (++written === 3) throw new Error('simulated crash');
        },
      }),
    ).to.throw('simulated crash');
    expect(written).to.equal(3);
    expect(snapshot(root)).to.deep.equal(before);
    expect(fs.readdirSync(root).sort()).to.deep.equal(['latest', 'run-a']);
  });

  it('survives a writer killed mid-way; the next writer removes its temporary directory', function () {
    this.timeout(60000);
    writeRun(root, runWithId('run-a'));
    const before = snapshot(root);
    const script = path.join(path.dirname(root), 'killed-writer.js');
    fs.writeFileSync(
      script,
      `require(${JSON.stringify(path.join(REPO, 'node_modules/ts-node'))}).register({ transpileOnly: true, project: ${JSON.stringify(path.join(REPO, 'tsconfig.json'))} });
const { writeRun } = require(${JSON.stringify(path.join(REPO, 'harness/report/results-dir'))});
const { fixtureRun } = require(${JSON.stringify(path.join(REPO, 'test/unit/report/fixture'))});
let n = 0;
writeRun(process.argv[2], { ...fixtureRun(), runId: 'run-b' }, undefined, {
  afterFile: () => { if (++n === 2) process.kill(process.pid, 'SIGKILL'); },
});
`,
    );
    const child = spawnSync(process.execPath, [script, root], { cwd: REPO, encoding: 'utf8' });
    expect(child.signal, child.stderr).to.equal('SIGKILL');
    const after = snapshot(root);
    const stale = [...after.keys()].filter((k) => k.startsWith('.tmp-run-b-'));
    expect(stale.length, [...after.keys()].join(' ')).to.equal(2); // the two files written before the kill
    for (const [k, v] of before) expect(after.get(k), k).to.equal(v);
    expect(fs.existsSync(path.join(root, 'run-b'))).to.equal(false);
    expect(fs.readlinkSync(path.join(root, 'latest'))).to.equal('run-a');

    const w = writeRun(root, runWithId('run-c'));
    expect(w.removedStale).to.have.length(1);
    expect(w.removedStale[0]).to.match(/^\.tmp-run-b-\d+$/);
    expect(fs.readdirSync(root).sort()).to.deep.equal(['latest', 'run-a', 'run-c']);
  });

  it('removes only temporaries whose process is gone', () => {
    fs.mkdirSync(root, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    fs.mkdirSync(path.join(root, `.tmp-x-${dead}`));
    fs.mkdirSync(path.join(root, `.tmp-x-${process.pid}`));
    fs.mkdirSync(path.join(root, '.tmp-x-1')); // init: alive
    fs.mkdirSync(path.join(root, '.tmp-nopid'));
    fs.mkdirSync(path.join(root, `keep-${dead}`));
    expect(removeStaleTemps(root)).to.deep.equal([`.tmp-x-${dead}`]);
    expect(fs.readdirSync(root).sort()).to.deep.equal(['.tmp-nopid', `.tmp-x-${process.pid}`, '.tmp-x-1', `keep-${dead}`].sort());
  });

  it('replaces single files atomically', () => {
    fs.mkdirSync(root, { recursive: true });
    const f = path.join(root, 'notes.txt');
    writeFileAtomic(f, 'one');
    writeFileAtomic(f, new Uint8Array([0x74, 0x77, 0x6f]));
    expect(fs.readFileSync(f, 'utf8')).to.equal('two');
    expect(fs.readdirSync(root)).to.deep.equal(['notes.txt']);
    fs.mkdirSync(path.join(root, 'adir'));
    expect(() => writeFileAtomic(path.join(root, 'adir'), 'x')).to.throw();
    expect(fs.readdirSync(root).sort()).to.deep.equal(['adir', 'notes.txt']);
    expect(() => writeFileAtomic(path.join(root, 'missing', 'x'), 'x')).to.throw();
  });
});
