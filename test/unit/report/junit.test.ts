import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { className, suiteName, toJUnitXml } from '../../../harness/report/junit';
import { xmlAttr, xmlCdata, xmlSafeChars, xmlText } from '../../../harness/report/xml';
import { caseLabel } from '../../../harness/report/types';
import { AWKWARD, fixtureRun } from './fixture';
import { kid, kids, parseXml, type XNode } from './xml-reader';

function props(n: XNode): Array<[string, string]> {
  const p = kid(n, 'properties');
  return p ? kids(p, 'property').map((x) => [x.attrs.name, x.attrs.value]) : [];
}

describe('report/junit', () => {
  const run = fixtureRun();
  const xml = toJUnitXml(run);
  const root = parseXml(xml);

  it('is well-formed and declares UTF-8', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).to.equal(true);
    expect(root.name).to.equal('testsuites');
  });

  it('counts tests, failures, errors and skips at both levels', () => {
    expect(root.attrs).to.include({ tests: '5', failures: '1', errors: '1', time: '1.234' });
    // The Jenkins schema has no skipped or timestamp on <testsuites> (they are on each <testsuite>).
    expect(root.attrs).to.not.have.any.keys('skipped', 'timestamp');
    const suites = kids(root, 'testsuite');
    expect(suites.map((s) => s.attrs.name)).to.deep.equal(['cases/basic', 'cases/cookies', 'toplevel.yaml']);
    expect(suites.map((s) => [s.attrs.tests, s.attrs.failures, s.attrs.errors, s.attrs.skipped])).to.deep.equal([
      ['2', '1', '0', '0'],
      ['2', '0', '1', '1'],
      ['1', '0', '0', '0'],
    ]);
    expect(suites[0].attrs.time).to.equal('0.025');
    for (const s of suites) expect(kids(s, 'testcase').length).to.equal(Number(s.attrs.tests));
  });

  it('names test cases exactly, with forbidden characters spelled out', () => {
    const cases = kids(root, 'testsuite').flatMap((s) => kids(s, 'testcase'));
    expect(cases.map((c) => c.attrs.name)).to.deep.equal(run.cases.map((c) => xmlSafeChars(caseLabel(c))));
    const awkward = cases[1];
    expect(awkward.attrs.name).to.equal('weird <&>"\' #3 naïve ✓ \\x01ctl\\x1b[0m\ttab@ipv6');
    expect(awkward.attrs.classname).to.equal('cases.basic.syn');
    expect(cases[0].attrs.time).to.equal('0.013');
    expect(AWKWARD).to.include('\u0001');
  });

  it('puts the diff text in the failure body', () => {
    const tc = kids(kids(root, 'testsuite')[0], 'testcase')[1];
    const f = kid(tc, 'failure')!;
    expect(f.attrs.message).to.equal('step 1: SYN-ACK differs in 2 fields ]]> <not a tag>');
    expect(f.attrs.type).to.equal('mismatch');
    const body = f.text;
    expect(body).to.match(/^FAIL cases\/basic\/syn\.yaml#weird <&>"' #3 naïve ✓ \\x01ctl\\x1b\[0m/);
    expect(body).to.match(/tcp\.flags\s+SA\s+RA\s+\(listener present\)/);
    expect(body).to.match(/tcp\.ack\s+1001\s+0/);
    expect(body).to.include('model: tcp_conn_request: queue not full → SYN-ACK');
    expect(body).to.include('model: naïve check: ✓ <ok> & "fine"');
    expect(body).to.include('step 3 expect: no ACK of our data within 200 ms\n    nothing arrived');
    expect(body).to.include('unexpected packets (1):');
    expect(body).to.include('UNEXPECTED: after step 1 ]]>');
    expect(body).to.include('capture dropped 1 packet(s)');
    expect(body).to.include('✗ unexpected');
    expect(body).to.include('? missing');
    expect(kid(tc, 'error')).to.equal(undefined);
  });

  it('writes <error> and <skipped>', () => {
    const [err, skip] = kids(kids(root, 'testsuite')[1], 'testcase');
    const e = kid(err, 'error')!;
    expect(e.attrs.message).to.equal('agent died: ECONNRESET \\x00 nul');
    expect(e.text).to.include('step 1 sysctl: write net.ipv4.tcp_max_syn_backlog: EACCES');
    expect(kid(skip, 'skipped')!.attrs.message).to.equal('kernel lacks TCP-AO # not built\nsecond line');
    expect(kid(skip, 'failure')).to.equal(undefined);
    const passCase = kids(kids(root, 'testsuite')[0], 'testcase')[0];
    expect(passCase.children.map((c) => c.name)).to.deep.equal(['system-out']);
  });

  it('records kernel, seed and sysctls as properties', () => {
    const [basic, cookies] = kids(root, 'testsuite');
    const bp = new Map(props(basic));
    expect(bp.get('kernel')).to.equal('6.18.44-fc-v657');
    expect(bp.get('seed')).to.equal('42');
    expect(bp.get('run_id')).to.equal(run.runId);
    expect(bp.get('sysctl.net.ipv4.tcp_syncookies')).to.equal('1');
    // not shared by every case of the suite: only on the test cases
    expect(new Map(props(cookies)).has('sysctl.net.ipv4.tcp_syncookies')).to.equal(false);
    const skip = kids(cookies, 'testcase')[1];
    // Per case: no <properties> in a <testcase> (the Jenkins schema has none), the details in <system-out>.
    expect(props(skip)).to.deep.equal([]);
    const out = kid(skip, 'system-out')!.text.split('\n');
    expect(out).to.include('sysctl net.ipv4.tcp_syncookies: 2');
    expect(out).to.include('model_profile: linux-6.18');
    expect(out).to.include('spec: RFC 9293 §3.10.7.2');
    expect(out[0]).to.equal(`id: ${run.cases[3].id}`);
  });

  it("names each case's pcap as an attachment in its <system-out>", () => {
    const doc = parseXml(toJUnitXml(run, { pcapPaths: new Map([[run.cases[0].id, 'pcap/a.pcapng']]) }));
    const tc = kids(kids(doc, 'testsuite')[0], 'testcase')[0];
    expect(kid(tc, 'system-out')!.text.split('\n').pop()).to.equal('[[ATTACHMENT|pcap/a.pcapng]]');
  });

  it('is valid against the Jenkins/Surefire JUnit schema (xmllint --schema, test/fixtures/report/junit-jenkins.xsd)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junit-'));
    try {
      for (const [name, r] of [
        ['full', run],
        ['empty', { ...run, cases: [] }],
      ] as Array<[string, typeof run]>) {
        const f = path.join(dir, `${name}.xml`);
        fs.writeFileSync(f, toJUnitXml(r, { pcapPaths: new Map([[run.cases[1].id, 'pcap/x.pcapng']]) }));
        const v = spawnSync('xmllint', ['--noout', '--schema', 'test/fixtures/report/junit-jenkins.xsd', f], { encoding: 'utf8' });
        expect(v.error, 'xmllint is missing: bash scripts/setup --test installs libxml2-utils').to.equal(undefined);
        expect(v.status, v.stderr).to.equal(0);
      }
      // The schema does refuse what the old writer did: per-testcase <properties>, skipped on <testsuites>.
      const bad = path.join(dir, 'bad.xml');
      fs.writeFileSync(
        bad,
        '<testsuites skipped="1"><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="t"><properties/></testcase></testsuite></testsuites>',
      );
      const v = spawnSync('xmllint', ['--noout', '--schema', 'test/fixtures/report/junit-jenkins.xsd', bad], { encoding: 'utf8' });
      expect(v.status).to.not.equal(0);
      expect(v.stderr).to.match(/attribute 'skipped' is not allowed/);
      expect(v.stderr).to.match(/Element 'properties': This element is not expected/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('escapes every string so that a parser reads back the same text', () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    const alphabet = [
      '<',
      '>',
      '&',
      '"',
      "'",
      ']]>',
      ']',
      '\r',
      '\n',
      '\r\n',
      '\t',
      '\u0000',
      '\u0001',
      '\u001f',
      '\u007f',
      '\u0085',
      '\ud800',
      '\udfff',
      '\ufffe',
      '\uffff',
      '😀',
      'é',
      'a',
      ' ',
      '&amp;',
      '<![CDATA[',
      '--',
      '#',
    ];
    for (let k = 0; k < 500; k++) {
      let s = '';
      for (let j = rnd(12); j > 0; j--) s += alphabet[rnd(alphabet.length)];
      const expected = xmlSafeChars(s);
      const doc = parseXml(`<r a="${xmlAttr(s)}" b='${xmlAttr(s)}'><t>${xmlText(s)}</t><c>${xmlCdata(s)}</c></r>`);
      expect(doc.attrs.a, JSON.stringify(s)).to.equal(expected);
      expect(doc.attrs.b, JSON.stringify(s)).to.equal(expected);
      expect(kid(doc, 't')!.text, JSON.stringify(s)).to.equal(expected);
      expect(kid(doc, 'c')!.text, JSON.stringify(s)).to.equal(expected);
    }
  });

  it('groups by folder and derives class names', () => {
    expect(suiteName('cases/a/b.yaml')).to.equal('cases/a');
    expect(suiteName('b.yaml')).to.equal('b.yaml');
    expect(className('./cases/a/b.yml')).to.equal('cases.a.b');
  });

  it('handles an empty run', () => {
    const doc = parseXml(toJUnitXml({ ...run, cases: [] }));
    expect(doc.attrs.tests).to.equal('0');
    expect(kids(doc, 'testsuite')).to.have.length(0);
  });

  const py = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' });
  (py.status === 0 ? it : it.skip)('is read the same by python xml.etree (independent parser)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junit-'));
    try {
      const f = path.join(dir, 'junit.xml');
      fs.writeFileSync(f, xml);
      const script =
        'import sys, json, xml.etree.ElementTree as E\n' +
        'r = E.parse(sys.argv[1]).getroot()\n' +
        'print(json.dumps({"tests": r.get("tests"), "names": [c.get("name") for c in r.iter("testcase")],\n' +
        '  "failure": [f.text for f in r.iter("failure")], "skipped": [s.get("message") for s in r.iter("skipped")]}))\n';
      const out = spawnSync('python3', ['-c', script, f], { encoding: 'utf8' });
      expect(out.status, out.stderr).to.equal(0);
      const got = JSON.parse(out.stdout);
      expect(got.tests).to.equal('5');
      expect(got.names).to.deep.equal(run.cases.map((c) => xmlSafeChars(caseLabel(c))));
      const tc = kids(kids(root, 'testsuite')[0], 'testcase')[1];
      expect(got.failure).to.deep.equal([kid(tc, 'failure')!.text]);
      expect(got.skipped).to.deep.equal(['kernel lacks TCP-AO # not built\nsecond line']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
