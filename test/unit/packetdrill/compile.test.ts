import { expect } from 'chai';
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { scriptToCase, ScriptError } from '../../../lib/packetdrill';
import type { CompileOptions } from '../../../lib/packetdrill';
import type { ExpectStep, SendStep } from '../../../lib/case/types';
import { netnsKeys, tfoCookieUnder } from '../../../lib/model/kernel/fastopen';
import { PD_LOCAL_IP, PD_REMOTE_IP } from '../../../lib/packetdrill/tfo-cookie';

const DIR = join(__dirname, '..', '..', 'fixtures', 'packetdrill');
const compile = (name: string, o: CompileOptions = {}) => scriptToCase(readFileSync(join(DIR, name), 'utf8'), name, o);

describe('packetdrill compiler', () => {
  it('a passive open: listener set-up, sysctls, one flow, sends, expects with time windows, calls, waits', () => {
    const c = compile('passive-open.pkt');
    expect(c.name).to.equal('pd-passive-open');
    expect(c.families).to.deep.equal([4, 6]);
    expect(c.setup).to.deep.equal({ kind: 'listen', port: 8080, backlog: 10, sockopts: [{ name: 'SO_REUSEADDR', value: 1 }] });
    expect(c.sysctls).to.deep.equal([
      { name: 'net.ipv4.tcp_timestamps', value: 1 },
      { name: 'net.ipv4.tcp_sack', value: 1 },
    ]);
    expect(c.flows).to.deep.equal([{ name: 'c1', sport: 40000, isn: 0 }]);
    expect(c.trailing).to.equal('report');
    // IPv6 at MTU 1520, as packetdrill's run_all.py: MSS 1460 in both families
    expect(c.mtu).to.deep.equal({ 6: 1520 });
    expect(scriptToCase('--mtu=1400\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n', 'x.pkt').mtu).to.deep.equal({ 4: 1400, 6: 1400 });
    expect(c.steps.map((s) => (s.kind === 'call' ? `call:${s.op}` : s.kind === 'wait' ? `wait:${s.ms}` : s.kind))).to.deep.equal([
      'wait:100',
      'send',
      'expect',
      'wait:50',
      'send',
      'call:accept',
      'call:send',
      'expect',
      'wait:100',
      'send',
      'expect',
      'call:recv',
      'call:close',
      'expect',
    ]);
    const synack = (c.steps[2] as ExpectStep).packets[0];
    // --tolerance_usecs=10000 → 10 ms, plus the harness's 6 ms
    expect(synack.at).to.deep.equal({ min: -Infinity, max: 16, text: '0ms ±16ms' });
    expect(synack.seq).to.deep.include({ value: { base: 'dut.isn', offset: 0, flow: 'c1', text: 'dut.isn' } });
    expect(synack.ack).to.deep.include({ value: { base: 'peer.isn', offset: 1, flow: 'c1', text: 'peer.isn+1' } });
    expect(synack.model).to.equal(true);
    // +0~+0.02: the window runs to 20 ms
    expect((c.steps[7] as ExpectStep).packets[0].at).to.deep.equal({ min: -Infinity, max: 36, text: '0ms~20ms ±16ms' });
    // a packet due after its stimulus (a timer) has a lower bound, and the timer wheel's granule on top (HZ=250: 32 ms after 1 s)
    const timer = scriptToCase(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+0 < S 0:0(0) win 100\n+0 > S. 0:0(0) ack 1 <...>\n+1 > S. 0:0(0) ack 1 <...>\n',
      'x.pkt',
    );
    expect(timer.steps.map((s) => s.kind)).to.deep.equal(['send', 'expect', 'expect']);
    expect((timer.steps[2] as ExpectStep).packets[0].at).to.deep.equal({ min: 990, max: 1042, text: '1000ms ±10ms (+32ms timer wheel)' });
    // `*`: any time
    expect((c.steps[10] as ExpectStep).packets[0]).to.deep.include({ within: 5000 });
    expect((c.steps[10] as ExpectStep).packets[0].options).to.equal(undefined);
    // the peer's TS ecr echoes the DUT's latest TSval: a live expression, not the script's number
    const ack = c.steps[4] as SendStep;
    expect(ack.options[2]).to.deep.equal({ kind: 'ts', val: 110, ecr: { base: 'dut.tsval', offset: 0, flow: 'c1', text: 'dut.tsval' } });
    expect(ack.ack).to.deep.include({ base: 'dut.isn', offset: 1 });
    expect(c.steps[1].note).to.equal('passive-open.pkt:10: +0.1  < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>');
    expect(compile('passive-open.pkt', { strict: true }).trailing).to.equal('fail');
    expect(compile('passive-open.pkt', { toleranceMs: 1, slackMs: 0 }).steps[2]).to.have.nested.property('packets[0].at.max', 1);
  });

  it('an active open: connect set-up, the peer ISN from its SYN-ACK, --ip_version', () => {
    const c = compile('active-open.pkt');
    expect(c.families).to.deep.equal([4]);
    expect(c.setup).to.deep.equal({ kind: 'connect', port: 8080, sockopts: [] });
    expect(c.flows).to.deep.equal([{ name: 'c1', sport: 8080, isn: 500 }]);
    const synack = c.steps[2] as SendStep;
    expect(synack).to.deep.include({ seq: 500, flags: 0x12 });
    expect(synack.ack).to.deep.include({ base: 'dut.isn', offset: 1 });
    expect((c.steps[3] as ExpectStep).packets[0].ack).to.deep.include({ value: { base: 'peer.isn', offset: 1, flow: 'c1', text: 'peer.isn+1' } });
    expect(compile('active-open.pkt', { ipVersion: 6 }).families).to.deep.equal([6]);
  });

  it("Fast Open: a SYN-ACK's cookie is the model's to check, and sending it back refers to the live one", () => {
    const c = compile('fastopen-server.pkt');
    const synack = (c.steps[1] as ExpectStep).packets[0];
    expect(synack.options).to.deep.include({ kind: 'exact' });
    expect(synack.options!.kind === 'exact' && synack.options!.items[1]).to.deep.include({ kind: 'tfo', cookie: 'any' });
    expect(synack.ecn).to.equal(0);
    expect((c.steps[0] as SendStep).options[1]).to.deep.equal({ kind: 'tfo', cookie: new Uint8Array(0) });
    const data = c.steps[3] as SendStep;
    expect(data.options[1]).to.deep.equal({ kind: 'tfo', cookie: { from: { step: 1, packet: 0, text: '2' } } });
    expect(data.tos).to.equal(2);
    expect(data.payload.length).to.equal(10);
    // a second SYN is a new connection: a new flow and port
    expect(c.flows.map((f) => f.sport)).to.deep.equal([40000, 40001]);
  });

  it("the valid cookie for packetdrill's addresses becomes the DUT's valid cookie for the lab's", () => {
    const key = '00000001-00000002-00000003-00000004';
    const hex = tfoCookieUnder(netnsKeys(key)!.primary, PD_REMOTE_IP, PD_LOCAL_IP);
    const text = `\`sysctl -q net.ipv4.tcp_fastopen_key=${key}\`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+0 < S 0:10(10) win 100 <FO ${hex},nop,nop>\n+0 < S 0:10(10) win 100 <FO 0102030405060708,nop,nop>\n`;
    const c = scriptToCase(text, 'x.pkt');
    expect((c.steps[0] as SendStep).options[0]).to.deep.equal({ kind: 'tfo', cookie: { kernel: true } });
    expect((c.steps[1] as SendStep).options[0]).to.deep.equal({ kind: 'tfo', cookie: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });
    // the cookie of other addresses (--remote_ip) is not it
    const other = scriptToCase(`--remote_ip=192.0.2.9\n${text}`, 'x.pkt');
    expect((other.steps[0] as SendStep).options[0])
      .to.have.property('cookie')
      .that.is.instanceOf(Uint8Array);
  });

  it('blocking calls return after the events at their return time; sysctls the host refuses are skipped with a note', () => {
    const text =
      '`sysctl -q net.ipv4.tcp_congestion_control=cubic net.ipv4.tcp_sack=1`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+0...0.2 accept(3, ..., ...) = 4\n+.1 < S 0:0(0) win 100\n+0 > S. 0:0(0) ack 1 <...>\n+.1 < . 1:1(0) ack 1 win 100\n+.1 close(4) = 0\n';
    const c = scriptToCase(text, 'x.pkt', { sysctlSkip: (n) => (n.endsWith('congestion_control') ? 'not allowed here' : undefined) });
    expect(c.steps.map((s) => (s.kind === 'call' ? `call:${s.op}` : s.kind))).to.deep.equal([
      'wait',
      'send',
      'expect',
      'wait',
      'send',
      'call:accept',
      'wait',
      'call:close',
    ]);
    expect(c.steps[5]).to.deep.include({ op: 'accept', timeout: 10 });
    expect(c.sysctls).to.deep.equal([{ name: 'net.ipv4.tcp_sack', value: 1 }]);
    expect(c.source!.notes).to.include('sysctl net.ipv4.tcp_congestion_control=cubic skipped: not allowed here');
    // `+.1...0.4`: start and end both count from the previous event (0.1): it returns at 0.5, after the ACK at 0.5
    const rel = scriptToCase(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+.1 listen(3, 1) = 0\n+0 < S 0:0(0) win 100\n+0 > S. 0:0(0) ack 1 <...>\n+.1...0.4 accept(3, ..., ...) = 4\n+.3 < . 1:1(0) ack 1 win 100\n+.005 %{ assert tcpi_state == TCP_ESTABLISHED }%\n',
      'x.pkt',
    );
    expect(rel.steps.map((s) => (s.kind === 'call' ? `call:${s.op}` : s.kind === 'wait' ? `wait:${s.ms}` : s.kind))).to.deep.equal([
      'wait:100',
      'send',
      'expect',
      'wait:400',
      'send',
      'call:accept',
      'wait:5',
      'assert',
    ]);
    expect(rel.steps[7]).to.deep.include({
      tcpInfo: {
        on: 'conn',
        checks: [
          {
            text: 'tcpi_state == TCP_ESTABLISHED',
            pos: { line: 7, column: 10 },
            expr: {
              kind: 'cmp',
              ops: ['=='],
              items: [
                { kind: 'field', name: 'tcpi_state' },
                { kind: 'num', value: 1 },
              ],
            },
          },
        ],
      },
    });
  });

  it("a blocking connect (start...end): the SYN at the start, the call returning at the end; TFO_COOKIE in a SYN-ACK is the model's to check", () => {
    const c = scriptToCase(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+.1...0.2 connect(3, ..., ...) = 0\n+0 > S 0:0(0) <...>\n+.1 < S. 0:0(0) ack 1 win 100\n+0 > . 1:1(0) ack 1\n',
      'x.pkt',
    );
    expect(c.setup).to.deep.include({ kind: 'connect' });
    expect(c.steps.map((s) => (s.kind === 'call' ? `call:${s.op}` : s.kind))).to.deep.equal(['wait', 'expect', 'wait', 'send', 'expect', 'call:connect']);
    const s = scriptToCase(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+0 < S 0:0(0) win 100 <FO,nop,nop>\n+0 > S. 0:0(0) ack 1 <FO TFO_COOKIE,nop,nop>\n',
      'x.pkt',
    );
    expect((s.steps[1] as ExpectStep).packets[0].options).to.deep.include({ kind: 'exact' });
    expect(((s.steps[1] as ExpectStep).packets[0].options as { items: unknown[] }).items[0]).to.deep.include({ kind: 'tfo', cookie: 'any' });
  });

  it('shell lines after the first call are sysctl steps; a newer accepted socket takes over, calls on an earlier one are refused', () => {
    const c = scriptToCase(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+0 accept(3, ..., ...) = 4\n+.1 `sysctl -q net.ipv4.tcp_ecn=2 net.ipv4.tcp_fastopen=0x402`\n+0 accept(3, ..., ...) = 5\n+0 close(5) = 0\n',
      'x.pkt',
    );
    expect(c.steps.map((s) => (s.kind === 'call' ? `call:${s.op}` : s.kind))).to.deep.equal(['call:accept', 'wait', 'sysctl', 'call:accept', 'call:close']);
    expect(c.steps[2]).to.deep.include({
      kind: 'sysctl',
      sysctls: [
        { name: 'net.ipv4.tcp_ecn', value: 2 },
        { name: 'net.ipv4.tcp_fastopen', value: '0x402' },
      ],
      pos: { line: 4, column: 5 },
    });
    let err: unknown;
    try {
      scriptToCase(
        '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+0 accept(3, ..., ...) = 4\n+0 accept(3, ..., ...) = 5\n+0 close(4) = 0\n',
        'x.pkt',
      );
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.contain('x.pkt:5:10: unsupported: close() on an earlier connection while a newer one is open');
  });

  it("a listener closed and opened again: a call open-listener with the new socket's options; other second sockets are refused", () => {
    const c = scriptToCase(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+0 close(3) = 0\n+.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN, [2], 4) = 0\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 7) = 0\n+0 < S 0:0(0) win 100\n',
      'x.pkt',
    );
    expect(c.setup).to.deep.include({ kind: 'listen', backlog: 1, sockopts: [] });
    expect(c.steps.map((s) => (s.kind === 'call' ? `call:${s.op}` : s.kind))).to.deep.equal(['call:close', 'wait', 'call:open-listener', 'send']);
    expect(c.steps[2]).to.deep.include({ op: 'open-listener', on: 'listener', backlog: 7, sockopts: [{ name: 'TCP_FASTOPEN', value: 2 }] });
    let err: unknown;
    try {
      scriptToCase('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4\n', 'x.pkt');
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.contain('x.pkt:3:4: unsupported: a second socket() while the first is open');
  });

  it('blocking calls that connect: sendto(MSG_FASTOPEN) / sendmsg / a deferred write with a time range start at once and complete at the end of their range', () => {
    const text =
      [
        `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3`,
        `+0...0.010 sendto(3, ..., 3000, MSG_FASTOPEN, ..., ...) = 3000`,
        `+0 > S 0:0(0) <mss 1460,FO,nop,nop>`,
        `+.01 < S. 100:100(0) ack 1 win 5000 <mss 1460,FO abcd1234,nop,nop>`,
        `+0 > . 1:1461(1460) ack 1`,
        `+0 close(3) = 0`,
        `+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4`,
        `+0 setsockopt(4, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0`,
        `+0 connect(4, ..., ...) = 0`,
        `+.01...0.060 write(4, ..., 100) = -1 ECONNREFUSED (Connection refused)`,
        `+0 > S 0:100(100) <mss 1460,FO abcd1234,nop,nop>`,
        `+.05 < R. 0:0(0) ack 1 win 0`,
        `+0 close(4) = 0`,
        `+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 5`,
        `+0...0.020 sendmsg(5, {msg_name(...)=..., msg_iov(2)=[{..., 60}, {..., 40}], msg_flags=0}, MSG_NOSIGNAL|MSG_FASTOPEN) = 100`,
        `+0 > S 0:100(100) <mss 1460,FO abcd1234,nop,nop>`,
      ].join('\n') + '\n';
    const c = scriptToCase(text, 'x.pkt');
    const calls = c.steps.filter((s) => s.kind === 'call');
    const kinds = c.steps.map((s) => (s.kind === 'call' ? `call:${s.op}` : s.kind === 'wait' ? `wait:${s.ms}` : s.kind));
    // the call starts (SYN), the packets of its range flow, then it completes — after the packets at its end
    expect(kinds.slice(0, 6)).to.deep.equal(['call:open-connection', 'expect', 'wait:10', 'send', 'expect', 'call:complete']);
    expect(calls[0]).to.deep.include({ op: 'open-connection', flow: 'c1', fastopen: 3000, blocking: true, expect: {} });
    expect(calls[1]).to.deep.include({ op: 'complete', on: 'conn', expect: { ok: true, ret: { op: '=', value: 3000, text: '3000' } } });
    // a deferred TCP_FASTOPEN_CONNECT: the blocking write sends the SYN; its errno is checked when it completes
    expect(calls[3]).to.deep.include({ op: 'open-connection', flow: 'c2', sockopts: [{ name: 'TCP_FASTOPEN_CONNECT', value: 1 }] });
    expect(calls[4]).to.deep.include({ op: 'send', on: 'conn', blocking: true, expect: {} });
    expect((calls[4] as { data: Uint8Array }).data.length).to.equal(100);
    expect(calls[5]).to.deep.include({ op: 'complete', expect: { err: 'ECONNREFUSED' } });
    // its range ends with the RST: it may take the tolerance (4 ms) and the harness's slack (6 ms) more
    expect((calls[5] as { timeout: number }).timeout).to.equal(4 + 6);
    expect(calls[7]).to.deep.include({ op: 'open-connection', flow: 'c3', fastopen: 100, blocking: true });
    expect(calls[8]).to.deep.include({ op: 'complete', expect: { ok: true, ret: { op: '=', value: 100, text: '100' } } });
    // a blocking write on a socket that is already connected is not a connecting call: it runs when its range ends
    const late = scriptToCase(
      `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 connect(3, ..., ...) = -1 EINPROGRESS\n+0 > S 0:0(0) <mss 1460>\n+0 < S. 0:0(0) ack 1 win 5000 <mss 1460>\n+0 > . 1:1(0) ack 1\n+0...0.01 write(3, ..., 10) = 10\n`,
      'y.pkt',
    );
    expect(late.steps.filter((s) => s.kind === 'call').map((s) => (s as { op: string; blocking?: true }).blocking)).to.deep.equal([undefined]);
  });

  it("a blocking call whose range ends after the script's last event ends by a kernel timer: its window has the timer wheel's granule too", () => {
    const text =
      [
        `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 5`,
        `+0 setsockopt(5, IPPROTO_TCP, TCP_SYNCNT, [1], 4) = 0`,
        `+0 setsockopt(5, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0`,
        `+0 connect(5, ..., ...) = 0`,
        `+0...3.000 write(5, ..., 2000) = -1 ETIMEDOUT (Connection Timed Out)`,
        `+0 > S 0:1420(1420) <mss 1460,nop,nop,sackOK,nop,wscale 8,FO abcd1234,nop,nop>`,
        `+1 > S 0:0(0) <mss 1460,nop,nop,sackOK,nop,wscale 8>`,
        `+2.005 close(5) = 0`,
      ].join('\n') + '\n';
    const c = scriptToCase(text, 'x.pkt');
    const complete = c.steps.find((s) => s.kind === 'call' && s.op === 'complete') as { timeout: number; expect: unknown };
    expect(complete.expect).to.deep.equal({ err: 'ETIMEDOUT' });
    // 2 s after the last event (the SYN retransmission at 1 s), + tolerance 4 + slack 6, + the 3 s timer's granule (HZ=250: 256 ms)
    expect(complete.timeout).to.equal(2000 + 4 + 6 + 256);
    expect(c.source!.notes.some((n) => n.includes('a blocked call it ends'))).to.equal(true);
  });

  it('ip tcp_metrics flush: nothing before the first call (a fresh namespace); after it, a step that flushes (and any sysctls of the same line first)', () => {
    const c = scriptToCase(
      [
        '`ip tcp_metrics flush all > /dev/null 2>&1`',
        '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
        '+0 sendto(3, ..., 0, MSG_FASTOPEN, ..., ...) = -1 EINPROGRESS',
        '+0 > S 0:0(0) <mss 1460,FO,nop,nop>',
        '+.1 `sysctl -q net.ipv4.tcp_timestamps=1; ip tcp_metrics flush all`',
        '+0 close(3) = 0',
      ].join('\n') + '\n',
      'x.pkt',
    );
    const sys = c.steps.filter((s) => s.kind === 'sysctl');
    expect(sys).to.have.length(1);
    expect(sys[0]).to.deep.include({ sysctls: [{ name: 'net.ipv4.tcp_timestamps', value: 1 }], flushTcpMetrics: true });
    expect(c.steps.map((s) => s.kind)).to.deep.equal(['call', 'expect', 'wait', 'sysctl', 'call']);
    // A || B: B when A sets a sysctl this kernel lacks (sysctl -q fails), else A alone
    const or = (skip: boolean) =>
      scriptToCase(
        [
          '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
          '+0 sendto(3, ..., 0, MSG_FASTOPEN, ..., ...) = -1 EINPROGRESS',
          '+0 > S 0:0(0) <mss 1460,FO,nop,nop>',
          '+.1 `sysctl -q net.ipv4.tcp_old_knob=0 &> /dev/null ||\\\n  ip tcp_metrics flush all &> /dev/null`',
        ].join('\n') + '\n',
        'x.pkt',
        { sysctlSkip: (n) => (skip && n === 'net.ipv4.tcp_old_knob' ? 'this kernel has no such sysctl' : undefined) },
      ).steps.filter((s) => s.kind === 'sysctl');
    expect(or(true)).to.have.length(1);
    expect(or(true)[0]).to.deep.include({ sysctls: [], flushTcpMetrics: true });
    expect(or(false)[0]).to.deep.include({ sysctls: [{ name: 'net.ipv4.tcp_old_knob', value: 0 }] });
    expect(or(false)[0]).to.not.have.property('flushTcpMetrics');
    // only the whole-namespace flush is understood
    let err: unknown;
    try {
      scriptToCase('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 `ip tcp_metrics flush 192.0.2.1`\n', 'y.pkt');
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.contain(
      "y.pkt:2:4: unsupported: the shell command 'ip tcp_metrics flush 192.0.2.1' (only sysctl settings, ip tcp_metrics flush all and grep",
    );
  });

  it('a getsockopt or a failing setsockopt before connect acts on the socket, made then (open-socket); connect then connects that socket', () => {
    const c = scriptToCase(
      [
        '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
        '+.01 setsockopt(3, SOL_TCP, TCP_MAXSEG, [1100], 4) = 0',
        '+.01 getsockopt(3, SOL_TCP, TCP_MAXSEG, [1100], [4]) = 0',
        '+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = -1 EOPNOTSUPP (x)',
        '+0 setsockopt(3, SOL_TCP, TCP_SYNCNT, [2], 4) = 0',
        '+.05...0.150 connect(3, ..., ...) = 0',
        '+0 > S 0:0(0) <mss 1100,sackOK,TS val 100 ecr 0,nop,wscale 8>',
      ].join('\n') + '\n',
      'o.pkt',
    );
    expect(c.setup).to.deep.equal({ kind: 'connect', port: 8080, sockopts: [], open: 'step' });
    const calls = c.steps.filter((s) => s.kind === 'call');
    expect(calls.map((s) => (s as { op: string }).op)).to.deep.equal(['open-socket', 'getsockopt', 'setsockopt', 'setsockopt', 'open-connection', 'connect']);
    expect(calls[0]).to.deep.include({ sockopts: [{ name: 'TCP_MAXSEG', value: 1100 }] });
    expect(calls[1]).to.deep.include({ on: 'conn', name: 'TCP_MAXSEG', expect: { ok: true, value: 1100 } });
    expect(calls[2]).to.deep.include({ name: 'TCP_FASTOPEN_CONNECT', expect: { err: 'EOPNOTSUPP' } });
    // the model is told every option that took (not the one that failed); nothing is set again
    expect(calls[4]).to.deep.include({
      existing: true,
      expect: { err: 'EINPROGRESS' },
      sockopts: [
        { name: 'TCP_MAXSEG', value: 1100 },
        { name: 'TCP_SYNCNT', value: 2 },
      ],
    });
    // a listener's socket is made whole at listen(): a call before it stays unsupported
    let err: unknown;
    try {
      scriptToCase('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [536], [4]) = 0\n+0 listen(3, 1) = 0\n', 'l.pkt');
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.contain('l.pkt:3:4: unsupported: listen() on a socket a getsockopt()/failing setsockopt() made before it');
  });

  it('client Fast Open: sendto(MSG_FASTOPEN) opens a connection; later client sockets are new flows; sendmsg iovecs add up; TCP_FASTOPEN_CONNECT connect() = 0', () => {
    const sock = (fd: number): string => `+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = ${fd}\n+0 fcntl(${fd}, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n`;
    const text =
      [
        `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3`,
        `+0 sendto(3, ..., 0, MSG_FASTOPEN, ..., ...) = -1 EINPROGRESS (Operation is now in progress)`,
        `+0 > S 0:0(0) <mss 1460,FO,nop,nop>`,
        `+.01 < S. 100:100(0) ack 1 win 5000 <mss 1460,FO abcd1234,nop,nop>`,
        `+0 > . 1:1(0) ack 1`,
        `+0 close(3) = 0`,
        sock(4) + `+0 sendmsg(4, {msg_name(...)=..., msg_iov(2)=[{..., 600}, {..., 400}], msg_flags=0}, MSG_FASTOPEN|MSG_DONTWAIT) = 1000`,
        `+0 > S 0:1000(1000) <mss 1460,FO abcd1234,nop,nop>`,
        sock(5) + `+0 setsockopt(5, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0`,
        `+0 connect(5, ..., ...) = 0`,
        `+0 write(5, ..., 10) = 10`,
        `+0 sendto(5, ..., 10, MSG_FASTOPEN, ..., ...) = -1 EALREADY (Operation already in progress)`,
      ].join('\n') + '\n';
    const c = scriptToCase(text, 'x.pkt');
    expect(c.setup).to.deep.equal({ kind: 'connect', port: 8080, sockopts: [], open: 'step' });
    expect(c.flows.map((f) => `${f.name}:${f.sport}`)).to.deep.equal(['c1:8080', 'c2:8081', 'c3:8082']);
    const calls = c.steps.filter((s) => s.kind === 'call');
    expect(calls[0]).to.deep.include({ op: 'open-connection', flow: 'c1', fastopen: 0, expect: { err: 'EINPROGRESS' } });
    expect(calls[2]).to.deep.include({ op: 'open-connection', flow: 'c2', fastopen: 1000 });
    expect(calls[3]).to.deep.include({ op: 'open-connection', flow: 'c3', sockopts: [{ name: 'TCP_FASTOPEN_CONNECT', value: 1 }] });
    expect(calls[3]).to.not.have.property('fastopen');
    expect(calls[4]).to.deep.include({ op: 'send', on: 'conn' });
    expect(calls[5]).to.deep.include({ op: 'send', fastopen: true, expect: { err: 'EALREADY' } });
    // sendto(MSG_FASTOPEN) to an AF_UNSPEC address: the agent passes one (family 0); refused before any SYN, the socket stays unconnected
    const unspec = scriptToCase(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 sendto(3, ..., 0, MSG_FASTOPEN, AF_UNSPEC, ...) = -1 EOPNOTSUPP (x)\n',
      'u.pkt',
    );
    expect(unspec.steps[0]).to.deep.include({ op: 'open-connection', fastopen: 0, unspec: true, expect: { err: 'EOPNOTSUPP' } });
    // the outbound SYN's cookie is the one our SYN-ACK handed over: literal
    const syn = (c.steps.filter((s) => s.kind === 'expect')[2] as ExpectStep).packets[0];
    expect(syn).to.deep.include({ flow: 'c2', model: true });
    const refused: Array<[string, string]> = [
      [
        '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 sendto(3, NULL, 1, MSG_FASTOPEN, ..., ...) = -1\n',
        'x.pkt:2:14: unsupported: sendto() with a NULL buffer',
      ],
      [
        '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 sendto(3, ..., 1, MSG_FASTOPEN, AF_LOCAL, ...) = -1\n',
        'x.pkt:2:36: unsupported: sendto() to an AF_LOCAL address',
      ],
      [
        '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 sendto(3, ..., 1, MSG_OOB, ..., ...) = 1\n',
        'x.pkt:2:22: unsupported: sendto() with the flags MSG_OOB',
      ],
      [
        '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 sendto(3, ..., 1, 0, ..., ...) = 1\n',
        'x.pkt:2:4: unsupported: sendto() without MSG_FASTOPEN on a socket that is not connected',
      ],
    ];
    for (const [src, msg] of refused) {
      let err: unknown;
      try {
        scriptToCase(src, 'x.pkt');
      } catch (e) {
        err = e;
      }
      expect(String(err), src).to.contain(msg);
    }
  });

  it("a blocking poll() returns after the packets at its end time, before the next call; data before the peer's SYN is in absolute numbers", () => {
    const c = scriptToCase(
      [
        '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
        '+0 connect(3, ..., ...) = -1 EINPROGRESS',
        '+0 > S 0:0(0) <...>',
        '+0 < . 1401:2801(1400) ack 1 win 257',
        '+0...0.010 poll([{fd=3, events=POLLIN|POLLOUT|POLLERR, revents=POLLOUT}], 1, 100) = 1',
        '+.01 < S. 5000:5000(0) ack 1 win 100',
        '+0 > . 1:1(0) ack 1',
        '+0 close(3) = 0',
      ].join('\n') + '\n',
      'x.pkt',
    );
    expect(c.steps.map((s) => (s.kind === 'call' ? `call:${s.op}` : s.kind))).to.deep.equal([
      'expect',
      'send',
      'wait',
      'send',
      'expect',
      'call:poll',
      'call:close',
    ]);
    expect(c.steps[5]).to.deep.include({
      op: 'poll',
      on: 'conn',
      events: 0x1 | 0x4 | 0x8,
      expect: { ok: true, ret: { op: '=', value: 1, text: '1' }, value: 0x4 },
    });
    expect((c.steps[1] as SendStep).seq).to.equal(1401);
    expect(c.flows[0].isn).to.equal(5000);
  });

  it('--tcp_ts_tick_usecs: outbound TSvals after the first are checked against the previous one; a TCP_FASTOPEN_KEY of any length is passed on', () => {
    const c = scriptToCase(
      [
        '--tcp_ts_tick_usecs=1000',
        '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
        '+0 listen(3, 1) = 0',
        '+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_KEY, "", 0) = -1 (Invalid Argument)',
        '+0 < S 0:0(0) win 1000 <mss 1000,TS val 1 ecr 0>',
        '+0 > S. 0:0(0) ack 1 <mss 1460,TS val 2000 ecr 1>',
        '+.01 < . 1:1(0) ack 1 win 1000 <nop,nop,TS val 2 ecr 2000>',
        '+0 accept(3, ..., ...) = 4',
        '+.01 write(4, ..., 10) = 10',
        '+0 > P. 1:11(10) ack 1 <nop,nop,TS val 2020 ecr 2>',
      ].join('\n') + '\n',
      'x.pkt',
    );
    const exps = c.steps.filter((s): s is ExpectStep => s.kind === 'expect').map((s) => s.packets[0].options);
    const ts = (o: unknown): unknown => (o as { items: Array<{ kind: string; val: unknown }> }).items.find((x) => x.kind === 'ts')?.val;
    expect(ts(exps[0])).to.deep.include({ kind: 'any' });
    expect(ts(exps[1])).to.deep.include({ kind: 'range', text: 'dut.tsval+9..+60020' });
    expect(c.steps.find((s) => s.kind === 'call' && s.op === 'setsockopt')).to.deep.include({ value: '', expect: { ok: false } });
  });

  it('malformed and unsupported scripts: file:line:column and the construct', () => {
    const want: Record<string, string> = {
      'bad-fd.pkt': 'bad-fd.pkt:2:11: listen(5, …): no socket has fd 5 at this point of the script',
      'icmp-code.pkt':
        "icmp-code.pkt:4:23: unsupported: the ICMP message 'unreachable frag_neded': 'frag_neded' is not a code of ICMPv4 unreachable — did you mean 'frag_needed'?",
      'icmp.pkt': 'icmp.pkt:3:4: unsupported: an ICMP error before any connection exists',
      'length-mismatch.pkt': 'length-mismatch.pkt:3:6: the payload length (5) is not end - start (10 - 0)',
      'no-time.pkt': "no-time.pkt:2:3: expected a time (+0.1, 0.200 or *) at the start of an event, found 'listen'",
      'tcpinfo.pkt': "tcpinfo.pkt:4:1: unsupported: the Python statement 'print(tcpi_rtt)' in %{ }%",
      'time-backwards.pkt': 'time-backwards.pkt:2:1: the absolute time 0.2 is before the previous event (0.500 s)',
      'unknown-option.pkt': "unknown-option.pkt:3:33: unknown TCP option 'sakOK'",
      'unknown-shell.pkt': "unknown-shell.pkt:1:1: unsupported: the shell command 'ip link set dev lo mtu 1400'",
      'unterminated-code.pkt': 'unterminated-code.pkt:2:1: unterminated %{ code block — close it with }%',
    };
    expect(readdirSync(join(DIR, 'bad')).sort()).to.deep.equal(Object.keys(want).sort());
    for (const [f, msg] of Object.entries(want)) {
      let err: unknown;
      try {
        scriptToCase(readFileSync(join(DIR, 'bad', f), 'utf8'), f);
      } catch (e) {
        err = e;
      }
      expect(err, f).to.be.instanceOf(ScriptError);
      expect(String(err)).to.contain(msg);
    }
  });
});
