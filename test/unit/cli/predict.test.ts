// synh predict takes what users paste (spawned, no kernel needed): an Ethernet frame, a --packets
// file with bad lines (named file:line:column, exit 1, output lines still answering their input
// lines), and a capture (--pcap) in pcapng (the project's writer) or classic pcap.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { join } from 'path';
import { writePcapng } from '../../../harness/report/pcapng';
import { buildFrame, buildIp, type PacketSpec } from '../../../lib/wire/build';
import { toHex } from '../../../lib/wire/bytes';
import { classicPcap } from '../report/pcap-fixture';

const SYNH = join(__dirname, '..', '..', '..', 'bin', 'synh');
const SPEC: PacketSpec = {
  ip: 4,
  src: '198.18.0.2',
  dst: '198.18.0.1',
  sport: 40000,
  dport: 80,
  seq: 1000,
  flags: 'S',
  options: [{ kind: 'mss', value: 1460 }],
};
const IP = buildIp(SPEC);
const FRAME = buildFrame(SPEC, '02:00:00:00:00:02', '46:00:00:00:00:01'); // a destination MAC whose first nibble is 4

function synh(args: string[], input?: string) {
  return spawnSync(process.execPath, [SYNH, 'predict', ...args], { encoding: 'utf8', timeout: 30_000, input });
}

describe('CLI: synh predict takes what users paste', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(join(os.tmpdir(), 'synh-predict-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an Ethernet frame gets the same prediction as its IP packet, and says it was a frame', () => {
    const a = synh(['--listen', '80', '--json', '--packet', toHex(IP)]);
    const b = synh(['--listen', '80', '--json', '--packet', toHex(FRAME)]);
    expect([a.status, b.status, a.stderr + b.stderr]).to.deep.equal([0, 0, '']);
    const [ja, jb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(jb.responses).to.deep.equal(ja.responses);
    expect(ja.responses[0].tcp.flags).to.equal('SA');
    expect(jb.reasons[0]).to.equal('input: an Ethernet frame (ethertype 0x0800), IP header at byte 14');
    expect(jb.reasons.slice(1)).to.deep.equal(ja.reasons);
  });

  it('--packet with bytes that are neither IP nor Ethernet, or of the other family: one line, exit 1', () => {
    const r = synh(['--packet', '00112233445566778899aabbccddeeff']);
    expect([r.status, r.stdout]).to.deep.equal([1, '']);
    expect(r.stderr).to.match(
      /^synh predict: neither an IP packet \(version nibble 0\) nor an Ethernet frame carrying IP \(ethertype 0x0800 or 0x86dd at byte 12, bytes 12-13 0xccdd\): give the bytes from the IP or the Ethernet header on\n$/,
    );
    const v6 = synh(['--ip', '6', '--packet', toHex(FRAME)]);
    expect([v6.status, v6.stderr]).to.deep.equal([1, 'synh predict: --ip 6 but the packet is IPv4: drop --ip, or give an IPv6 packet\n']);
  });

  it('--packets with bad lines: each named file:line:column on stderr, exit 1, output line N answers input line N', () => {
    const f = join(dir, 'syns.hex');
    fs.writeFileSync(f, [toHex(IP), '', '# a comment', `  ${toHex(IP).slice(0, 10)}zz`, toHex(FRAME), '0011', toHex(IP)].join('\n') + '\n');
    const r = synh(['--listen', '80', '--packets', f]);
    expect(r.status).to.equal(1);
    expect(r.stderr.trimEnd().split('\n')).to.deep.equal([
      `${f}:4:13: invalid hex "${toHex(IP).slice(0, 10)}zz": 'z' is not a hex digit`,
      `${f}:6:1: neither an IP packet (version nibble 0) nor an Ethernet frame carrying IP (ethertype 0x0800 or 0x86dd at byte 12): give the bytes from the IP or the Ethernet header on`,
    ]);
    const out = r.stdout.split('\n');
    expect(out).to.have.length(8); // 7 lines and the final newline
    expect(out.slice(1, 3)).to.deep.equal(['', '']);
    const json = out.map((l) => (l ? JSON.parse(l) : undefined));
    expect(json.map((j) => j?.line)).to.deep.equal([1, undefined, undefined, 4, 5, 6, 7, undefined]);
    expect([1, 5, 7].map((n) => json[n - 1].responses[0].tcp.flags)).to.deep.equal(['SA', 'SA', 'SA']);
    expect(json[3]).to.have.property('error');
    expect(json[5]).to.have.property('error');
  });

  it('--packets from stdin names <stdin>; a good file exits 0 with nothing on stderr', () => {
    const r = synh(['--packets', '-'], `${toHex(IP)}\nxyz\n`);
    expect([r.status, r.stderr]).to.deep.equal([1, `<stdin>:2:1: invalid hex "xyz": 'x' is not a hex digit\n`]);
    const ok = synh(['--packets', '-'], `${toHex(IP)}\r\n${toHex(FRAME)}\r\n`);
    expect([ok.status, ok.stderr, ok.stdout.split('\n').length]).to.deep.equal([0, '', 3]);
  });

  it("--pcap: a pcapng by the project's writer and the same packets as a classic pcap predict alike", () => {
    const t0 = 1_765_000_000_000_000_000n;
    const png = join(dir, 'c.pcapng');
    const cap = join(dir, 'c.pcap');
    fs.writeFileSync(png, writePcapng([{ tsNs: t0, bytes: FRAME, dir: 'sent' }]));
    fs.writeFileSync(cap, classicPcap([{ tsNs: t0, bytes: FRAME }]));
    const a = synh(['--listen', '80', '--pcap', png]);
    const b = synh(['--listen', '80', '--pcap', cap]);
    expect([a.status, b.status, a.stderr, b.stderr]).to.deep.equal([0, 0, '', '']);
    const la = a.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const lb = b.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(la.map((l) => l.kind)).to.deep.equal(['peer', 'missing']);
    expect(la[0].responses).to.deep.equal(lb[0].responses);
    expect(la[0].responses[0].tcp).to.include({ flags: 'SA', ack: 1001 });
  });

  it('--pcap refusals: one line, non-zero', () => {
    const junk = join(dir, 'junk');
    fs.writeFileSync(junk, 'hello world, not a capture');
    for (const [args, want] of [
      [['--pcap', junk], /^synh predict: --pcap .*junk: not a pcap or pcapng file: magic 0x68656c6c — give a pcap or pcapng file with the peer's packets$/],
      [['--pcap', join(dir, 'none.pcap')], /^synh: --pcap .*none\.pcap: cannot read it \(ENOENT\) — give a pcap or pcapng file$/],
      [['--from', '198.18.0.2', '--packet', toHex(IP)], /^synh: --from goes with --pcap$/],
      [['--packet', toHex(IP), '--pcap', junk], /^synh: give only one of --packet, --pcap$/],
    ] as Array<[string[], RegExp]>) {
      const r = synh(args);
      expect(r.status, r.stderr).to.not.equal(0);
      expect(r.stdout).to.equal('');
      expect(r.stderr.trimEnd().split('\n')).to.have.length(1);
      expect(r.stderr.trimEnd()).to.match(want);
    }
  });
});
