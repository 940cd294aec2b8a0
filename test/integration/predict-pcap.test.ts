// synh predict --pcap over pcapngs written by a real `synh run` on this machine's kernel: every packet
// the DUT sent is the one the model predicts from the peer's packets alone (SYN-ACKs with their
// options and window, duplicate-SYN answers and their rate limit, timer-driven SYN-ACK re-sends, RSTs
// of a closed port, both families), and no prediction goes unanswered.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SYNH = path.join(__dirname, '..', '..', 'bin', 'synh');

/** case file → the predict flags that give the model the case's set-up (what a capture cannot show). */
const CASES: Record<string, string[]> = {
  'cases/examples/full-options-synack-layout.yaml': ['--listen', '8080,16', '--sysctl', 'net.ipv4.tcp_rmem=4096 131072 33554432'],
  'cases/examples/dup-syn-rate-limit.yaml': ['--listen', '8080'],
  'cases/examples/synack-retransmit-schedule.yaml': ['--listen', '8080', '--sysctl', 'net.ipv4.tcp_synack_retries=3'],
  'cases/examples/closed-port-rst.yaml': [],
};

describe('synh predict --pcap on captures of a real run', function () {
  this.timeout(180_000);
  let tmp: string;
  let pcaps: string[];

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-predict-pcap-'));
    const run = spawnSync(process.execPath, [SYNH, 'run', ...Object.keys(CASES), '--results', tmp], { encoding: 'utf8', timeout: 150_000 });
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    const runDir = fs.readdirSync(tmp).find((d) => /^\d{8}T/.test(d))!;
    pcaps = fs.readdirSync(path.join(tmp, runDir, 'pcap')).map((f) => path.join(tmp, runDir, 'pcap', f));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('one pcapng per case and family, and each DUT packet in it is the predicted one', () => {
    expect(pcaps.length).to.equal(5); // closed-port-rst runs in both families
    let dutPackets = 0;
    for (const [file, flags] of Object.entries(CASES)) {
      const stem = file.replace(/[/.]/g, '_').replace(/_yaml$/, '.yaml');
      const mine = pcaps.filter((p) => path.basename(p).startsWith(stem));
      expect(mine, file).to.not.have.length(0);
      for (const pcap of mine) {
        const r = spawnSync(process.execPath, [SYNH, 'predict', '--pcap', pcap, '--kernel', os.release(), ...flags], { encoding: 'utf8', timeout: 30_000 });
        expect([r.status, r.stderr], pcap).to.deep.equal([0, '']);
        const lines = r.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l));
        const dut = lines.filter((l) => l.kind === 'dut');
        const bad = lines.filter((l) => (l.kind === 'dut' && !l.predicted) || l.kind === 'missing');
        expect(bad, `${path.basename(pcap)}\n${r.stdout}`).to.deep.equal([]);
        expect(lines.filter((l) => l.kind === 'peer').length, pcap).to.be.above(0);
        expect(dut.length, pcap).to.be.above(0);
        dutPackets += dut.length;
        if (file.includes('retransmit'))
          expect(dut.map((l) => l.rule)).to.deep.equal(['synack.sent', 'reqsk_timer.resend', 'reqsk_timer.resend', 'reqsk_timer.resend']);
      }
    }
    expect(dutPackets).to.be.above(15);
  });
});
