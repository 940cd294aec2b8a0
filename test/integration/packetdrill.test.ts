// packetdrill scripts on the real kernel: `synh run dir/` with .pkt and .yaml side by side, the
// packetdrill-style failure line, trailing packets (reported; --strict fails them), synh import.
import { CORPUS } from '../unit/packetdrill/corpus';
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const RUN = 'test/fixtures/packetdrill/run';

interface Summary {
  totals: { total: number; pass: number; fail: number; error: number };
  cases: Array<{ id: string; file: string; status: string; message?: string; unexpected: number; steps: Array<{ ok: boolean; script?: string }> }>;
}

function synh(args: string[]): { code: number; summary: Summary; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/synh', 'run', '--no-write', '--json', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  let summary: Summary;
  try {
    summary = JSON.parse(r.stdout) as Summary;
  } catch {
    throw new Error(`synh run ${args.join(' ')}: no JSON (exit ${r.status})\n${r.stderr}`);
  }
  return { code: r.status ?? -1, summary, stdout: r.stdout, stderr: r.stderr };
}

describe('packetdrill scripts: synh run on the real kernel', function () {
  this.timeout(120_000);

  it('runs a folder of .pkt and .yaml side by side; a wrong script fails with script.pkt:LINE: expected: … actual: …', () => {
    const { code, summary, stderr } = synh([RUN]);
    const status = Object.fromEntries(summary.cases.map((c) => [c.id.replace(/#.*@/, '@'), c.status]));
    expect(status).to.deep.equal({
      [`${RUN}/handshake-model.yaml@ipv4`]: 'pass',
      [`${RUN}/handshake-model.yaml@ipv6`]: 'pass',
      [`${RUN}/handshake.pkt@ipv4`]: 'pass',
      [`${RUN}/handshake.pkt@ipv6`]: 'pass',
      [`${RUN}/wrong-mss.pkt@ipv4`]: 'fail',
      [`${RUN}/wrong-mss.pkt@ipv6`]: 'fail',
    });
    expect(code).to.equal(1);
    const wrong = summary.cases.find((c) => c.file.endsWith('wrong-mss.pkt'))!;
    const line = wrong.steps.find((s) => !s.ok)!.script;
    expect(line).to.match(
      /^test\/fixtures\/packetdrill\/run\/wrong-mss\.pkt:6: expected: \+0 +> S\. 0:0\(0\) ack 1 <mss 1200> actual: > S\. 0:0\(0\) ack 1 win \d+ <mss 1460>$/,
    );
    // the human text (stderr with --json) shows it above the field diff
    expect(stderr).to.match(/wrong-mss\.pkt:6: expected: .*\n\s+field\s+expected\s+observed\n\s+options\s+\[mss 1200\]\s+\[mss=1460\]/);
  });

  it("a packet after the script's last line is reported but passes; --strict fails it", () => {
    const loose = synh([`${RUN}/handshake.pkt`]);
    expect(loose.summary.cases.map((c) => c.status)).to.deep.equal(['pass', 'pass']);
    const strict = synh(['--strict', `${RUN}/handshake.pkt`]);
    for (const c of strict.summary.cases) {
      expect(c.status).to.equal('fail');
      expect(c.unexpected).to.equal(1);
      expect(c.message).to.match(/1 unexpected packet/);
    }
  });

  it('synh import writes a YAML case that passes where the script passes; what YAML cannot say is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synh-import-'));
    try {
      const corpus = `${CORPUS}/google-packetdrill`;
      for (const s of [
        'close/close-on-syn-sent.pkt',
        'blocking/blocking-connect.pkt',
        'ecn/ecn-uses-ect0.pkt',
        'fastopen/server/pure-syn-data.pkt',
        'fastopen/server/simple1.pkt',
      ]) {
        const r = spawnSync(process.execPath, ['bin/synh', 'import', `${corpus}/${s}`], { encoding: 'utf8' });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.match(/^# Imported from the packetdrill script/);
        writeFileSync(join(dir, s.replace(/.*\//, '').replace('.pkt', '.yaml')), r.stdout);
      }
      const { summary } = synh([dir]);
      expect(summary.cases.map((c) => `${c.id.replace(/.*\//, '')} ${c.status}`)).to.have.members([
        'blocking-connect.yaml#pd-google-packetdrill-blocking-blocking-connect@ipv4 pass',
        'close-on-syn-sent.yaml#pd-google-packetdrill-close-close-on-syn-sent@ipv4 pass',
        'ecn-uses-ect0.yaml#pd-google-packetdrill-ecn-ecn-uses-ect0@ipv4 pass',
        'pure-syn-data.yaml#pd-fastopen-server-pure-syn-data@ipv4 pass',
        'simple1.yaml#pd-fastopen-server-simple1@ipv4 pass',
      ]);
      const mtu = join(dir, 'mtu.pkt');
      writeFileSync(mtu, '--mtu=1400\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n');
      const no = spawnSync(process.execPath, ['bin/synh', 'import', mtu], { encoding: 'utf8' });
      expect(no.status).to.equal(2);
      expect(no.stdout).to.equal('');
      expect(no.stderr).to.equal(
        `synh import: ${mtu}: a link MTU (1400) cannot be written in a YAML case file yet — run the script itself (synh run script.pkt)\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a blocking call is judged by when it returned, not by when the harness heard of it; one the kernel keeps blocked fails', () => {
    // The call thread sits 300 ms on the return (the test-only knob, harness/runner/test-knobs.ts), as a
    // thread a loaded machine does not run at once: the call returned within its range, so it passes.
    const script = 'test/fixtures/packetdrill/blocking-sendto.pkt';
    const env = { ...process.env, SYNH_TEST_CALL_REPORT_DELAY: '300' };
    const run = (file: string) =>
      JSON.parse(spawnSync(process.execPath, ['bin/synh', 'run', '--no-write', '--json', file], { encoding: 'utf8', env }).stdout) as Summary;
    const late = run(script);
    expect(late.cases.map((c) => [c.status, c.message])).to.deep.equal([
      ['pass', undefined],
      ['pass', undefined],
    ]);
    // The SYN-ACK that releases it comes 40 ms after the range ends: still blocked when the window (and
    // the grace after it) closed — the kernel's doing, the same in every attempt, so it fails.
    const dir = mkdtempSync(join(tmpdir(), 'synh-blocked-'));
    try {
      const held = join(dir, 'held.pkt');
      writeFileSync(held, readFileSync(script, 'utf8').replace(' +.01 < S. 1234:1234(0)', ' +.05 < S. 1234:1234(0)'));
      const r = run(held);
      for (const c of r.cases) {
        expect(c.status).to.equal('fail');
        expect(c.message).to.match(
          /^step 4 call: complete failed: ETIMEDOUT — the call is still blocked .*re-run: harness too slow: a blocked call's thread was late at step 4, then/,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a script with a syntax error names file:line:column and runs nothing; a bad --tolerance is refused in one line', () => {
    const r = spawnSync(process.execPath, ['bin/synh', 'run', '--no-write', 'test/fixtures/packetdrill/bad/length-mismatch.pkt', `${RUN}/handshake.pkt`], {
      encoding: 'utf8',
    });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain('test/fixtures/packetdrill/bad/length-mismatch.pkt:3:6: the payload length (5) is not end - start (10 - 0)');
    expect(r.stderr).to.contain('nothing was run');
    const t = spawnSync(process.execPath, ['bin/synh', 'run', '--tolerance', 'soon', `${RUN}/handshake.pkt`], { encoding: 'utf8' });
    expect(t.status).to.not.equal(0);
    expect(t.stderr.split('\n')[0]).to.contain("--tolerance takes milliseconds (0 to 10000), got 'soon'");
  });
});

// The corpus: google/packetdrill's handshake scripts in ../shared/packetdrill (GPL test data, run from
// there). Each compiles or is refused with a located "unsupported: …"; each that compiles runs for
// both families on this kernel and passes, or fails in a documented difference between the kernel
// packetdrill's scripts target and this lab (listed here with the field; a listed script that starts
// passing fails the test too, so the list stays true).
const KNOWN_DIFFERENCES: Record<string, { field: string; why: string }> = {
  'blocking/blocking-accept.pkt': {
    field: 'len',
    why: "the script expects one 2000-byte TSO packet (packetdrill's tun device has TSO); the lab's veth has offloads off, so the DUT sends MSS-sized segments",
  },
  'fastopen/server/simple3.pkt': {
    field: 'len',
    why: 'the script expects one 2000-byte TSO packet (MSS 1000 from the peer); offload-free, the DUT sends 1000-byte segments',
  },
  'fastopen/server/opt34/simple3.pkt': {
    field: 'len',
    why: 'the script expects one 5000-byte TSO packet; offload-free, the DUT sends 1000-byte segments',
  },
  'fastopen/server/client-ack-dropped-then-recovery-ms-timestamps.pkt': {
    field: 'len',
    why: "the script expects two 5000-byte TSO packets (and a window of 256 << 8 from packetdrill's kernel's buffers); offload-free, the DUT sends 1000-byte segments (MSS 1012 less TS) and advertises the window of this lab's tcp_rmem",
  },
  'fastopen/client/nonblocking-sendto-over-mss.pkt': {
    field: 'len',
    why: 'the script expects the 3580 bytes the SYN could not carry in one TSO packet; offload-free, the DUT sends MSS-sized segments',
  },
  'fastopen/client/syn-data-partial-or-over-ack.pkt': {
    field: 'len',
    why: "the script expects the 1320 unacknowledged SYN bytes sent again in one TSO packet; offload-free, the DUT cuts them at the peer's MSS (1000 + 320), as the model predicts",
  },
  'fastopen/client/syn-data-icmp-unreach-frag-needed.pkt': {
    field: 'len',
    why: "after the ICMP frag_needed (MTU 800) the script expects the 1000 SYN bytes in one TSO packet; offload-free, the DUT cuts them at the path's MSS 760 (the retransmitted SYN's MSS 760 matches)",
  },
  'fastopen/client/syn-data-icmp-unreach-frag-needed-with-seq.pkt': {
    field: 'len',
    why: "after the ICMP frag_needed (MTU 840) the script expects the 1000 SYN bytes in one TSO packet; offload-free, the DUT cuts them at the path's MSS 800",
  },
  'fastopen/client/syn-data-icmp-unreach-frag-needed-with-seq-ipv6.pkt': {
    field: 'options',
    why: "the script expects MSS 1440 (an IPv6 link MTU of 1500); imported scripts run IPv6 at packetdrill's run_all.py MTU 1520, so the SYN says 1460",
  },
  'fastopen/client/cookie-less-sendto.pkt': {
    field: 'len',
    why: "the script expects the 3580 bytes a blocking sendto's SYN could not carry in TSO packets (2920 + 660); offload-free, the DUT sends MSS-sized segments (1460 + 1460 + 660)",
  },
  'fastopen/client/nonblocking-sendto.pkt': {
    field: 'len',
    why: 'the script expects the second write of 2000 bytes in one TSO packet; offload-free, the DUT sends MSS-sized segments (1460 + 540)',
  },
  'fastopen/client/syn-data-only-syn-acked.pkt': {
    field: 'len',
    why: "the script expects the 4580 bytes a blocking sendto's SYN could not carry in TSO packets (2920 + 1660); offload-free, the DUT sends MSS-sized segments",
  },
  'mss/mss-setsockopt-tcp_maxseg-client.pkt': {
    field: 'len',
    why: 'the script expects one 11000-byte TSO packet (IW10 × MSS 1100); offload-free, the DUT sends 1100-byte segments',
  },
  'mss/mss-setsockopt-tcp_maxseg-server.pkt': {
    field: 'len',
    why: 'the script expects one 11000-byte TSO packet (IW10 × MSS 1100); offload-free, the DUT sends 1100-byte segments',
  },
};

describe('packetdrill corpus (../shared/packetdrill) on this kernel', function () {
  this.timeout(300_000);

  it('every script compiles or is unsupported at a position; every one that runs passes or fails in a documented difference', async () => {
    const { loadScriptFile, setScriptOptions } = await import('../../harness/packetdrill/load');
    // The -D a runner gives: fastopen/server/icmp-{baseline,before-accept}.pkt send `icmp unreachable
    // CODE`; their opt34 twin spells the code out (host_unreachable), as the scripts' own comments expect
    // (EHOSTUNREACH from read; with net_unreachable ICMPv6's "no route" would leave the request alone, C30).
    const defines = { CODE: 'host_unreachable' };
    setScriptOptions({ defines });
    const { ScriptError } = await import('../../lib/packetdrill');
    const { runSuite } = await import('../../harness/runner/suite');
    const { corpusScripts } = await import('../unit/packetdrill/corpus');
    const { relative } = await import('path');
    const all = corpusScripts();
    const rel = (f: string): string => relative(`${CORPUS}/google-packetdrill`, f);
    const compiled: string[] = [];
    const unsupported = new Map<string, string[]>();
    for (const f of all) {
      try {
        loadScriptFile(f, { defines });
        compiled.push(f);
      } catch (e) {
        expect(e, `${rel(f)}: ${String(e)}`).to.be.instanceOf(ScriptError);
        expect((e as InstanceType<typeof ScriptError>).unsupported, String(e)).to.equal(true);
        const what = (e as InstanceType<typeof ScriptError>).issues[0].message.replace(/^unsupported: /, '').replace(/\d+/g, 'N');
        unsupported.set(what, [...(unsupported.get(what) ?? []), rel(f)]);
      }
    }
    const out = await runSuite({ paths: compiled, jobs: 2, lanes: 16, seed: 1, resultsDir: false });
    const byScript = new Map<string, typeof out.run.cases>();
    for (const c of out.run.cases) byScript.set(rel(c.file), [...(byScript.get(rel(c.file)) ?? []), c]);
    const passed = [...byScript].filter(([, cs]) => cs.every((c) => c.status === 'pass')).map(([s]) => s);
    const failed = [...byScript].filter(([, cs]) => cs.some((c) => c.status !== 'pass'));
    const lines = [
      `${all.length} scripts: ${compiled.length} compile and run (${out.run.cases.length} runs), ${passed.length} pass, ${failed.length} fail, ${all.length - compiled.length} unsupported`,
      ...failed.map(
        ([s, cs]) =>
          `  FAIL ${s}: ${cs
            .filter((c) => c.status !== 'pass')
            .map((c) =>
              `ipv${c.ip} ${
                c.steps
                  .find((x) => !x.ok)
                  ?.diffs?.map((d) => d.field)
                  .join(',') ?? c.status
              } — ${c.message ?? ''}`.slice(0, 160),
            )
            .join('; ')}`,
      ),
      ...[...unsupported].sort((a, b) => b[1].length - a[1].length).map(([w, fs]) => `  ${String(fs.length).padStart(3)} unsupported: ${w}`),
    ];
    process.stdout.write(`${lines.map((l) => `      ${l}`).join('\n')}\n`);
    expect(out.run.cases.filter((c) => c.status === 'error').map((c) => `${c.id}: ${c.message}`)).to.deep.equal([]);
    for (const [s, cs] of failed) {
      const known = KNOWN_DIFFERENCES[s];
      expect(known, `${s} fails without a documented difference: ${cs.map((c) => c.message).join('; ')}`).to.not.equal(undefined);
      for (const c of cs.filter((x) => x.status !== 'pass')) {
        expect(
          c.steps.find((x) => !x.ok)?.diffs?.map((d) => d.field),
          `${c.id}: ${c.message}`,
        ).to.include(known.field);
      }
    }
    for (const s of Object.keys(KNOWN_DIFFERENCES))
      expect(
        failed.map(([x]) => x),
        `${s} is listed as a known difference but passes`,
      ).to.include(s);
    // the floor this branch reached; raise it as support grows
    expect(compiled.length).to.be.greaterThanOrEqual(70);
  });
});
