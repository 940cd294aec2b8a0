// synh predict --pcap's engine over captures made by the project's own pcapng writer (and a classic
// pcap): the peer's packets predicted in order, the DUT's judged, symbols bound along the way.
import { expect } from 'chai';
import { readCaptureFile } from '../../../harness/report/capture-file';
import { writePcapng } from '../../../harness/report/pcapng';
import { CaptureInputError, predictCapture, type CaptureLine } from '../../../lib/match/capture-predict';
import { buildFrame, type PacketSpec } from '../../../lib/wire/build';
import { classicPcap } from '../report/pcap-fixture';

const PEER_MAC = '02:00:00:00:00:02';
const DUT_MAC = '02:00:00:00:00:01';
const T0 = 1_765_000_000_000_000_000n;
const MS = 1_000_000n;

const peer = (s: Partial<PacketSpec>): Uint8Array =>
  buildFrame({ ip: 4, src: '198.18.0.2', dst: '198.18.0.1', sport: 40000, dport: 8080, ...s } as PacketSpec, PEER_MAC, DUT_MAC);
const dut = (s: Partial<PacketSpec>): Uint8Array =>
  buildFrame({ ip: 4, src: '198.18.0.1', dst: '198.18.0.2', sport: 8080, dport: 40000, ttl: 64, df: true, id: 0, ...s } as PacketSpec, DUT_MAC, PEER_MAC);

const SYN = peer({
  seq: 1000,
  flags: 'S',
  options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 100, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
});
const SYNACK = (window = 65160): Uint8Array =>
  dut({
    seq: 5000,
    ack: 1001,
    flags: 'SA',
    window,
    options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 777, ecr: 100 }, { kind: 'nop' }, { kind: 'wscale', shift: 10 }],
  });
const ACK3 = peer({ seq: 1001, ack: 5001, flags: 'A', window: 502, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: 101, ecr: 777 }] });

const OPTS = { kernel: '6.18.44', listen: { port: 8080, backlog: 16 }, sysctls: {}, sockopts: {} };

function frames(list: Array<[bigint, Uint8Array, ('sent' | 'received')?]>, flags = true) {
  return readCaptureFile(writePcapng(list.map(([ts, bytes, dir]) => ({ tsNs: T0 + ts, bytes, ...(flags && dir ? { dir } : {}) })))).frames;
}

const brief = (l: CaptureLine): string =>
  l.kind === 'peer'
    ? `#${l.frame} peer → ${l.responses.map((r) => r.tcp.flags).join(',') || 'silence'}`
    : l.kind === 'dut'
      ? `#${l.frame} dut ${l.predicted ? 'predicted' : 'NOT predicted'} ${l.rule ?? ''}`.trimEnd()
      : `missing ${l.rule}`;

describe('match/capture-predict: the model over a capture', () => {
  it('a synh capture (direction flags): SYN → SYN-ACK predicted and matched; the third ACK, with the TSecr bound from it, makes a child', () => {
    const r = predictCapture(
      OPTS,
      frames([
        [0n, SYN, 'sent'],
        [MS / 10n, SYNACK(), 'received'],
        [4n * MS, ACK3, 'sent'],
      ]),
    );
    expect(r.lines.map(brief)).to.deep.equal(['#1 peer → SA', '#2 dut predicted synack.sent', '#3 peer → silence']);
    expect([r.peer, r.dut]).to.deep.equal(['198.18.0.2', '198.18.0.1']);
    expect(r.how).to.match(/direction flags/);
    const third = r.lines[2];
    expect(third.kind === 'peer' && third.reasons.join('\n')).to.match(/tcp_v4_syn_recv_sock: child .* created/);
    const first = r.lines[0];
    expect(first.kind === 'peer' && first.reasons[0]).to.match(/^\(profile\): release 6\.18\.44/);
  });

  it("without direction flags (a classic pcap): the peer is the first SYN's source", () => {
    const pcap = classicPcap([
      { tsNs: T0, bytes: SYN },
      { tsNs: T0 + MS, bytes: SYNACK() },
    ]);
    const r = predictCapture(OPTS, readCaptureFile(pcap).frames);
    expect(r.how).to.match(/first SYN without ACK/);
    expect(r.lines.map(brief)).to.deep.equal(['#1 peer → SA', '#2 dut predicted synack.sent']);
  });

  it('a reply stamped before its cause is still paired with it', () => {
    const r = predictCapture(
      OPTS,
      frames([
        [MS, SYNACK(), 'received'],
        [MS + 10_000n, SYN, 'sent'],
      ]),
    );
    expect(r.lines.map(brief)).to.deep.equal(['#1 dut predicted synack.sent', '#2 peer → SA']);
  });

  it('a DUT packet that differs names the field; one that never came is missing; --from picks the peer', () => {
    const wrong = predictCapture(
      { ...OPTS, from: '198.18.0.2' },
      frames(
        [
          [0n, SYN],
          [MS, SYNACK(1000)],
        ],
        false,
      ),
    );
    expect(wrong.how).to.equal('--from');
    const d = wrong.lines[1];
    expect(d.kind === 'dut' && d.predicted).to.equal(false);
    expect(d.kind === 'dut' && d.diffs.join('\n')).to.match(/^tcp\.window: expected 65160, observed 1000/);
    const silent = predictCapture(OPTS, frames([[0n, SYN, 'sent']]));
    expect(silent.lines.map(brief)).to.deep.equal(['#1 peer → SA', 'missing synack.sent']);
  });

  it('a closed port (no --listen): RST|ACK predicted, and a SYN-ACK from the DUT is not what the model said', () => {
    const r = predictCapture(
      { ...OPTS, listen: undefined },
      frames([
        [0n, SYN, 'sent'],
        [MS, SYNACK(), 'received'],
      ]),
    );
    expect(r.lines.map(brief)).to.deep.equal(['#1 peer → RA', '#2 dut NOT predicted reset.ack-clear']);
  });

  it('refusals: no TCP, no packet from --from, a --from that is no address, --ip of the other family', () => {
    expect(() => predictCapture(OPTS, [])).to.throw(CaptureInputError, /holds no TCP packet/);
    const f = frames([[0n, SYN, 'sent']]);
    expect(() => predictCapture({ ...OPTS, from: '198.18.0.9' }, f)).to.throw(CaptureInputError, /no TCP packet in the capture comes from 198\.18\.0\.9/);
    expect(() => predictCapture({ ...OPTS, from: 'nope' }, f)).to.throw(CaptureInputError, /--from "nope": not an IPv4 address/);
    expect(() => predictCapture({ ...OPTS, ip: 6 }, f)).to.throw(CaptureInputError, /--ip 6 but the peer's packets are IPv4/);
  });
});
