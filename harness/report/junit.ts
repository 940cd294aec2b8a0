// JUnit XML in the Surefire/Jenkins dialect, the one Jenkins (junit and xunit plugins), GitLab and the
// GitHub actions that publish test reports read; valid against the Jenkins xUnit plugin's JUnit schema
// (junit-10.xsd; test/fixtures/report/junit-jenkins.xsd is our transcription of its rules):
//   <testsuites name tests failures errors time>              (no skipped, no timestamp there)
//     <testsuite name tests failures errors skipped time timestamp hostname id>  one per case folder
//       <properties>                                          run-wide: run id, kernel, host, seed, …
//       <testcase classname name time>                        no per-testcase <properties>:
//         <failure message type>…</failure> | <error …> | <skipped message/>
//         <system-out>                                        the case's details, one `key: value` a line
import { formatCaseFailure, isMissingStep } from './diff-text';
import { caseLabel, countStatuses, type CaseResult, type RunResult } from './types';
import { xmlAttr, xmlCdata } from './xml';

/** The folder a case file lives in ("cases/syn"), or the file itself when it has no folder. */
export function suiteName(file: string): string {
  const i = file.lastIndexOf('/');
  return i > 0 ? file.slice(0, i) : file;
}

/** "cases/syn/basic.yaml" → "cases.syn.basic" (package.class, as JUnit consumers split it). */
export function className(file: string): string {
  return file
    .replace(/\.ya?ml$/i, '')
    .replace(/^\.?\/+/, '')
    .replace(/\/+/g, '.');
}

function seconds(ms: number): string {
  return (Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0).toFixed(3);
}

function property(name: string, value: string, indent: string): string {
  return `${indent}<property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`;
}

function failureType(c: CaseResult): string {
  const s = c.steps.find((x) => !x.ok);
  if (s) return isMissingStep(s) ? 'missing' : s.diffs && s.diffs.length ? 'mismatch' : 'failure';
  return c.unexpected > 0 ? 'unexpected' : 'failure';
}

function failureMessage(c: CaseResult): string {
  return c.message ?? c.steps.find((x) => !x.ok)?.message ?? (c.status === 'error' ? 'error' : 'failed');
}

/** A case's details for its <system-out>: `key: value` lines, then the pcap as an attachment. */
export function caseDetails(c: CaseResult, run: RunResult, pcap?: string): string {
  const lines = [`id: ${c.id}`];
  if (c.kernel !== run.kernel) lines.push(`kernel: ${c.kernel}`);
  lines.push(`seed: ${c.seed}`, `model_profile: ${c.modelProfile}`);
  if (c.spec.length) lines.push(`spec: ${c.spec.join(' ')}`);
  lines.push(`unexpected: ${c.unexpected}`, `capture_drops: ${c.captureDrops}`);
  if (c.reruns?.length) lines.push(`reruns: ${c.reruns.length}`, `rerun_note: ${c.message ?? ''}`);
  for (const [k, v] of Object.entries(c.sysctls)) lines.push(`sysctl ${k}: ${v}`);
  // Jenkins' junit-attachments plugin and GitLab link a file named so (relative to the run directory).
  if (pcap) lines.push(`[[ATTACHMENT|${pcap}]]`);
  return lines.join('\n');
}

function testcase(c: CaseResult, run: RunResult, pcap: string | undefined): string[] {
  const i = '    ';
  const out = [`${i}<testcase classname="${xmlAttr(className(c.file))}" name="${xmlAttr(caseLabel(c))}" time="${seconds(c.durationMs)}">`];
  if (c.status === 'fail' || c.status === 'error') {
    const tag = c.status === 'fail' ? 'failure' : 'error';
    const type = c.status === 'fail' ? failureType(c) : 'error';
    out.push(`${i}  <${tag} message="${xmlAttr(failureMessage(c))}" type="${type}">${xmlCdata(formatCaseFailure(c))}</${tag}>`);
  } else if (c.status === 'skip') {
    out.push(`${i}  <skipped message="${xmlAttr(c.message ?? 'skipped')}"/>`);
  }
  out.push(`${i}  <system-out>${xmlCdata(caseDetails(c, run, pcap))}</system-out>`);
  out.push(`${i}</testcase>`);
  return out;
}

export interface JUnitOptions {
  /** case id → pcap path relative to the run directory. */
  pcapPaths?: ReadonlyMap<string, string>;
}

export function toJUnitXml(run: RunResult, opts: JUnitOptions = {}): string {
  const groups = new Map<string, CaseResult[]>();
  for (const c of run.cases) {
    const k = suiteName(c.file);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(c);
  }
  const all = countStatuses(run.cases);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="synharness" tests="${all.total}" failures="${all.fail}" errors="${all.error}" time="${seconds(run.durationMs)}">`);
  let id = 0;
  for (const [name, cases] of groups) {
    const n = countStatuses(cases);
    const time = cases.reduce((t, c) => t + (Number.isFinite(c.durationMs) && c.durationMs > 0 ? c.durationMs : 0), 0);
    out.push(
      `  <testsuite name="${xmlAttr(name)}" id="${id++}" tests="${n.total}" failures="${n.fail}" errors="${n.error}" ` +
        `skipped="${n.skip}" time="${seconds(time)}" timestamp="${xmlAttr(run.startedAt)}" hostname="${xmlAttr(run.host)}">`,
    );
    out.push('    <properties>');
    out.push(property('run_id', run.runId, '      '));
    out.push(property('kernel', run.kernel, '      '));
    out.push(property('host', run.host, '      '));
    out.push(property('seed', String(run.seed), '      '));
    out.push(property('jobs', String(run.jobs), '      '));
    out.push(property('lanes', String(run.lanes ?? 1), '      '));
    // Sysctls every case of the suite ran with, with the same value.
    const first = cases[0].sysctls;
    for (const [k, v] of Object.entries(first)) {
      if (cases.every((c) => Object.prototype.hasOwnProperty.call(c.sysctls, k) && c.sysctls[k] === v)) {
        out.push(property(`sysctl.${k}`, v, '      '));
      }
    }
    out.push('    </properties>');
    for (const c of cases) out.push(...testcase(c, run, opts.pcapPaths?.get(c.id)));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
