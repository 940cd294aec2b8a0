import { expect } from 'chai';
import { parseCaseText } from '../../../lib/case/parse';
import { CaseError } from '../../../lib/case/errors';
import { loadCaseFiles } from '../../../lib/case/load';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { CallStep, ExpectStep, SendStep } from '../../../lib/case/types';
import { ACK, PSH, SYN } from '../../../lib/wire/types';

const HEAD = `name: t
description: inline test case
spec: "§5.3"
`;

/** Parses HEAD + body; the body's first line is line 4. */
function parse(body: string) {
  return parseCaseText(HEAD + body, 't.yaml');
}

/**
 * The problems of HEAD + body as "line:column «token» message", the token being the text at that
 * position up to a delimiter — so a test shows what each message points at.
 */
function problems(body: string): string[] {
  const text = HEAD + body;
  try {
    parseCaseText(text, 't.yaml');
  } catch (e) {
    if (!(e instanceof CaseError)) throw e;
    const lines = text.split('\n');
    return e.issues.map((i) => {
      const token = /^[^\s,:{}\]]*/.exec(lines[i.line - 1].slice(i.column - 1))![0];
      return `${i.line}:${i.column} «${token}» ${i.message}`;
    });
  }
  return [];
}

const LISTEN = 'setup:\n  listen: { port: 8080 }\n';

describe('case/parse: normalisation', () => {
  it('a kernel gate keeps the comment on its line as its reason (skips quote it)', () => {
    const steps = 'steps:\n  - send: { flags: S }\n';
    const gated = parse(`kernel: ">=6.13"   # TSecr check: not on 6.12.118, on 6.18.44\n${LISTEN}${steps}`);
    expect(gated.kernel).to.deep.include({ text: '>=6.13', why: 'TSecr check: not on 6.12.118, on 6.18.44' });
    expect(parse(`kernel: ">=6.13"\n${LISTEN}${steps}`).kernel.why).to.equal(undefined);
  });

  it('fills flows, families, kernel and backlog defaults', () => {
    const c = parse(`${LISTEN}steps:\n  - send: { flags: S }\n`);
    expect(c.flows).to.deep.equal([{ name: 'a', sport: 40000, isn: 1000 }]);
    expect(c.families).to.deep.equal([4]);
    expect(c.kernel).to.deep.equal({ text: '*', anyOf: [] });
    expect(c.sysctls).to.deep.equal([]);
    expect(c.setup).to.deep.equal({ kind: 'listen', port: 8080, backlog: 128, sockopts: [] });
    expect(c.file).to.equal('t.yaml');
  });

  it('defaults: model agreement on every pattern unless model: false (model: true is accepted, the same)', () => {
    const c = parse(`${LISTEN}steps:\n  - send: { flags: S }\n  - expect: [{ flags: SA }, { model: true, flags: SA }, { model: false, flags: SA }]\n`);
    expect((c.steps[1] as ExpectStep).packets.map((p) => p.model)).to.deep.equal([true, true, false]);
  });

  it("defaults: a case without name: is named after its path under cases/ ('/' as '-'), wherever the run starts", () => {
    const body = `description: d\nspec: "§5.3"\n${LISTEN}steps:\n  - send: { flags: S }\n`;
    expect(parseCaseText(body, 'cases/listener/foo-bar.yaml').name).to.equal('listener-foo-bar');
    expect(parseCaseText(body, '/src/synharness/cases/ipv6/deep/x1.yaml').name).to.equal('ipv6-deep-x1');
    expect(parseCaseText(body, 'elsewhere/mine.yaml').name).to.equal('mine');
    expect(parseCaseText(`name: given\n${body}`, 'cases/listener/foo.yaml').name).to.equal('given');
    expect(() => parseCaseText(body, 'cases/My_Case.yaml')).to.throw(CaseError, /path gives 'My_Case', which is not kebab-case — add name:/);
  });

  it('a default name that another case already has is reported at 1:1 of the file without name:', () => {
    const root = mkdtempSync(join(tmpdir(), 'synh-name-'));
    try {
      mkdirSync(join(root, 'cases', 'a'), { recursive: true });
      const body = `description: d\nspec: "§5.3"\n${LISTEN}steps:\n  - send: { flags: S }\n`;
      writeFileSync(join(root, 'cases', 'a-b.yaml'), `name: a-b\n${body}`);
      writeFileSync(join(root, 'cases', 'a', 'b.yaml'), body);
      const files = [join(root, 'cases', 'a-b.yaml'), join(root, 'cases', 'a', 'b.yaml')];
      expect(() => loadCaseFiles(files))
        .to.throw(CaseError)
        .with.property('issues')
        .that.deep.equals([
          {
            file: files[1],
            line: 1,
            column: 1,
            message: `case name 'a-b' (its default, from the file's path) is already used by ${files[0]} — give every case its own name (add name: …)`,
          },
        ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("numbers flows without sport from 40000 by position; the first flow is every step's default", () => {
    const c = parse(`${LISTEN}flows:\n  x: {}\n  y: { isn: 7 }\nsteps:\n  - send: { flags: S }\n  - send: { flags: S, flow: y }\n`);
    expect(c.flows).to.deep.equal([
      { name: 'x', sport: 40000, isn: 1000 },
      { name: 'y', sport: 40001, isn: 7 },
    ]);
    expect((c.steps[0] as SendStep).flow).to.equal('x');
    expect((c.steps[1] as SendStep).seq).to.deep.equal({ base: 'peer.isn', offset: 0, flow: 'y', text: 'peer.isn' });
  });

  it('send defaults: seq after a non-SYN, ack 0 without A, aliases ttl/hlim and tos/tclass, ecn bits', () => {
    const c = parse(`${LISTEN}steps:
  - send: { flags: S }
  - expect: { flags: SA }
  - send: { flags: PA, payload: "hex:00 11:22", hlim: 9, tclass: 0xfd, ecn: ce }
  - send: { flags: "", seq: peer.isn-1 }
`);
    const s = c.steps[2] as SendStep;
    expect(s).to.deep.include({ flags: PSH | ACK, ttl: 9, tos: 0xff, window: 65535 });
    expect(Array.from(s.payload)).to.deep.equal([0, 0x11, 0x22]);
    expect(s.ack).to.deep.equal({ base: 'dut.isn', offset: 1, flow: 'a', text: 'dut.isn+1' });
    const n = c.steps[3] as SendStep;
    expect(n).to.deep.include({ flags: 0, ack: 0 });
    expect(n.seq).to.deep.equal({ base: 'peer.isn', offset: -1, flow: 'a', text: 'peer.isn-1' });
  });

  it('expect: a list of patterns, same: by label and by step number, at: windows', () => {
    const c = parse(`${LISTEN}steps:
  - send: { flags: S, label: syn, options: [ts=5:0] }
  - expect:
      - { flags: SA, label: one }
      - { flags: SA, seq: { same: one.seq }, tsecr: { same: syn.tsval }, at: [900ms, 1.1s] }
  - expect: { ack: { same: 1.seq }, window: [1, 2], urg: "*", flags: { same: 2.flags }, within: 2s }
`);
    const e = c.steps[1] as ExpectStep;
    expect(e.packets[1].seq).to.deep.equal({ kind: 'same', ref: { step: 1, packet: 0, label: 'one', text: 'one' }, field: 'seq', text: 'one.seq' });
    expect(e.packets[1].tsecr).to.deep.equal({ kind: 'same', ref: { step: 0, packet: 0, label: 'syn', text: 'syn' }, field: 'tsval', text: 'syn.tsval' });
    expect(e.packets[1].at).to.deep.equal({ min: 900, max: 1100, text: '[900ms, 1.1s]' });
    expect(e.packets[1].pos).to.deep.equal({ line: 10, column: 9 });
    const f = (c.steps[2] as ExpectStep).packets[0];
    expect(f.ack).to.deep.equal({ kind: 'same', ref: { step: 0, packet: 0, text: '1' }, field: 'seq', text: '1.seq' });
    expect(f.window).to.deep.equal({ kind: 'range', lo: 1, hi: 2, text: '[1, 2]' });
    expect(f.urg).to.deep.equal({ kind: 'any', text: '*' });
    expect(f.flags).to.deep.equal({ kind: 'same', ref: { step: 1, packet: 0, text: '2' }, text: '2.flags' });
    expect(f.within).to.equal(2000);
  });

  it('options matchers: contains/lacks, bare names, wildcards', () => {
    const c = parse(`${LISTEN}steps:
  - send: { flags: S }
  - expect: { options: { contains: [mss, "ts=*:peer.isn+1"], lacks: [wscale, tfo=*] } }
`);
    const o = (c.steps[1] as ExpectStep).packets[0].options!;
    expect(o.kind).to.equal('some');
    if (o.kind !== 'some') return;
    expect(o.contains[0]).to.deep.equal({ kind: 'mss', value: { kind: 'any', text: '*' }, text: 'mss' });
    expect(o.contains[1]).to.deep.equal({
      kind: 'ts',
      val: { kind: 'any', text: '*' },
      ecr: { kind: 'value', value: { base: 'peer.isn', offset: 1, flow: 'a', text: 'peer.isn+1' }, text: 'peer.isn+1' },
      text: 'ts=*:peer.isn+1',
    });
    expect(o.lacks.map((x) => x.kind)).to.deep.equal(['wscale', 'tfo']);
  });

  it('calls: defaults for on, timeout and expect; sockopt values', () => {
    const c = parse(`${LISTEN}steps:
  - call: { op: setsockopt, name: TCP_NODELAY, value: true }
  - call: { op: setsockopt, name: TCP_CONGESTION, value: reno, expect: { ok: false, err: ENOENT } }
  - call: { op: setsockopt, name: TCP_MD5SIG, value: secret }
  - call: { op: accept }
  - call: { op: send, data: { len: 3 }, expect: { ret: ">=1" } }
  - call: { op: close, on: conn }
  - call: { op: listen, backlog: 3 }
`);
    const [a, b, m, acc, snd, cl, li] = c.steps as CallStep[];
    expect(a).to.deep.include({ op: 'setsockopt', on: 'listener', name: 'TCP_NODELAY', value: 1, expect: { ok: true } });
    expect(b.expect).to.deep.equal({ ok: false, err: 'ENOENT' });
    expect(m).to.deep.include({ value: { key: 'secret' } });
    expect(acc).to.deep.include({ op: 'accept', on: 'listener', timeout: 1000 });
    expect(snd).to.deep.include({ op: 'send', on: 'conn' });
    expect(snd.expect.ret).to.deep.equal({ op: '>=', value: 1, text: '>=1' });
    expect(cl).to.deep.include({ op: 'close', on: 'conn' });
    expect(li).to.deep.include({ op: 'listen', backlog: 3 });
  });

  it('assert: counters keep their order, state lists, comparisons', () => {
    const c = parse(`${LISTEN}steps:
  - send: { flags: S }
  - assert: { synq: [1, 2], counters: { TcpExtListenDrops: +0, TcpExtSyncookiesSent: ">=1", TcpInSegs: "<10" } }
`);
    expect(c.steps[1]).to.deep.include({
      synq: { op: 'range', lo: 1, hi: 2, text: '[1, 2]' },
      counters: [
        { name: 'TcpExtListenDrops', expect: { op: '=', value: 0, text: '0' } },
        { name: 'TcpExtSyncookiesSent', expect: { op: '>=', value: 1, text: '>=1' } },
        { name: 'TcpInSegs', expect: { op: '<', value: 10, text: '<10' } },
      ],
    });
  });

  it('active open: the expect of the DUT SYN binds dut.isn for the SYN-ACK the peer sends', () => {
    const c = parse(`setup:\n  connect: { port: 9000, bind: 5000, sockopts: { TCP_MAXSEG: 1000 } }\nsteps:
  - expect: { flags: S }
  - send: { flags: SA }
  - expect: { flags: A, ack: peer.isn+1 }
  - call: { op: connect }
`);
    expect(c.setup).to.deep.equal({ kind: 'connect', port: 9000, bind: 5000, sockopts: [{ name: 'TCP_MAXSEG', value: 1000 }] });
    expect((c.steps[1] as SendStep).flags).to.equal(SYN | ACK);
    expect(c.steps[3] as CallStep).to.deep.include({ op: 'connect', on: 'conn' });
  });
});

describe('case/parse: errors', () => {
  it('YAML: duplicate keys, several documents', () => {
    expect(problems(`${LISTEN}steps:\n  - wait: 1s\nsteps: []\n`)).to.deep.equal([
      '8:1 «steps» YAML syntax error: Map keys must be unique — a key may appear once per mapping; keep one of them',
    ]);
    expect(problems(`${LISTEN}---\nname: b\n`)[0]).to.match(/^6:1 «---» YAML syntax error: .* — a case file holds one case; remove the '---'/);
  });

  it('a file that is empty, or not a mapping', () => {
    expect(() => parseCaseText('', 'e.yaml')).to.throw(CaseError, /the file holds no case — write a mapping/);
    expect(() => parseCaseText('- a\n- b\n', 'l.yaml')).to.throw(CaseError, /a case file is a mapping .* not a list/);
  });

  it('unknown keys point at the key, with a suggestion', () => {
    expect(problems(`${LISTEN}steps:\n  - send: { flags: S, sqe: 1 }\n`)).to.deep.equal([
      "7:23 «sqe» unknown key 'sqe' in send (step 1) — did you mean 'seq'? known keys here: flags, seq, ack, window, urg, options, payload, tos, tclass, ttl, hlim, ecn, flow, label, to, mistakes",
    ]);
    expect(problems(`setup:\n  listen: { port: 8080, backlog: 1, sockopt: {} }\nsteps:\n  - wait: 1s\n`)).to.deep.equal([
      "5:37 «sockopt» unknown key 'sockopt' in listen — did you mean 'sockopts'? known keys here: port, backlog, any, sockopts",
    ]);
  });

  it('a step with two actions, or none, and a setup with two kinds or none', () => {
    expect(problems(`${LISTEN}steps:\n  - send: { flags: S }\n    wait: 1s\n  - note: hello\n`)).to.deep.equal([
      '8:5 «wait» one step has both send and wait — put each action in its own list item (- send: … then - wait: …)',
      '9:5 «note» a step needs one action — use one of send, icmp, expect, expect_none, call, wait, assert, sysctl',
    ]);
    expect(problems(`setup: {}\nsteps:\n  - wait: 1s\n`)).to.deep.equal([
      '4:8 «» setup needs one of listen, connect or closed — e.g. setup: { listen: { port: 8080 } }',
    ]);
  });

  it('missing required fields name the key and where', () => {
    expect(problems(`setup:\n  listen: { backlog: 1 }\nsteps:\n  - send: { seq: 1 }\n`)).to.deep.equal([
      '5:3 «listen» missing port in listen — use a TCP port 1..65535',
      '7:5 «send» missing flags in send (step 1) — use scapy letters F S R P A U E C N (N = AE), e.g. SA',
    ]);
  });

  it('reference and binding errors', () => {
    expect(
      problems(`${LISTEN}flows:\n  a: {}\n  b: {}\nsteps:
  - send: { flags: S, label: s1 }
  - send: { flags: S, label: s1, flow: b, options: [tfo=@s1] }
  - expect: { flags: A, seq: dut.isn, flow: b }
  - expect: { flags: SA, tsecr: dut.tsval, ack: { same: 9.ack }, flow: zz }
  - send: { flags: A, ack: 5, options: [ts=peer.tsval:0], flow: b }
  - expect_none: { for: 1s, flow: c }
  - assert: { state: { flow: q, is: LISTEN } }
  - expect: { seq: { same: 2.seq } }
`),
    ).to.deep.equal([
      "11:30 «s1» label 's1' is already used at step 1 — give each packet its own label",
      "11:53 «tfo=@s1» tfo=@s1 copies the cookie from a packet the DUT sent, but 's1' labels a sent packet — label the SYN-ACK that carries the cookie",
      "12:30 «dut.isn» dut.isn is used before dut.isn is known on flow b — add an expect that sees the DUT's SYN-ACK on flow b before this step",
      '13:33 «dut.tsval» dut.tsval is used before any expected packet on flow a could carry a TS option — expect a packet with TS first, or write the number',
      '13:57 «9.ack» same: refers to step 9, but only steps 1..3 come before it — refer to an earlier step (numbers start at 1) or use a label',
      "13:72 «zz» unknown flow 'zz' — flows: a, b",
      '14:41 «ts=peer.tsval» peer.tsval is used before the peer sent a TS option on flow b — send ts=VAL:ECR on flow b first, or write the number',
      "15:35 «c» unknown flow 'c' — flows: a, b",
      "16:30 «q» unknown flow 'q' — flows: a, b",
    ]);
  });

  it('same: to a step without a packet of its own', () => {
    expect(problems(`${LISTEN}steps:\n  - send: { flags: S }\n  - wait: 1s\n  - expect: { seq: { same: 2.seq } }\n`)).to.deep.equal([
      '9:28 «2.seq» same: refers to step 2, which is a wait step and has no packet of its own — refer to a send or an explicit expect',
    ]);
  });

  it('socket rules: conn before accept, connect without setup.connect, closed sockets', () => {
    expect(
      problems(`${LISTEN}steps:
  - call: { op: recv }
  - call: { op: connect }
  - call: { op: close }
  - call: { op: accept }
  - call: { op: getsockopt, name: TCP_MD5SIG }
  - call: { op: setsockopt, name: SO_ERROR, value: 1 }
  - call: { op: getsockopt, name: TCP_MAXSEG, expect: { data: x } }
`),
    ).to.deep.equal([
      '7:17 «recv» recv on conn (the accepted socket), but no earlier step accepts a connection — add - call: { op: accept } before it',
      '8:17 «connect» connect waits for the connect() of setup: connect, but this case has setup: listen — use setup: { connect: { port: … } }',
      '10:17 «accept» accept on the listener, which step 3 closed — remove the close or move it after this step',
      '11:17 «getsockopt» getsockopt on the listener, which step 3 closed — remove the close or move it after this step',
      '11:35 «TCP_MD5SIG» TCP_MD5SIG cannot be read back — the kernel has no getsockopt for it',
      '12:17 «setsockopt» setsockopt on the listener, which step 3 closed — remove the close or move it after this step',
      '12:35 «SO_ERROR» SO_ERROR can only be read — use getsockopt, or set another option',
      '13:17 «getsockopt» getsockopt on the listener, which step 3 closed — remove the close or move it after this step',
      '13:57 «data» data: is what recv reads — getsockopt has none',
    ]);
  });

  it('family-specific fields, double fields, names of sysctls, sockopts and counters', () => {
    expect(
      problems(`ip: 6\nsysctls: { tcp_syncookies: 1, /proc/sys/net/ipv4/tcp_ecn: 1, kernel.hz: 1 }\nsetup:\n  listen: { port: 8080, sockopts: { TCP_MAXSGE: 1, SO_RCVBUF: x } }\nsteps:
  - send: { flags: S, ttl: 1, hlim: 2, mistakes: { ip_total_length: 3 } }
  - expect: { id: 0, tos: 1, tclass: 1 }
  - assert: { counters: { ListenDrops: 1 } }
`),
    ).to.deep.equal([
      "5:12 «tcp_syncookies» 'tcp_syncookies' is not a per-namespace sysctl name — write the full name, net.ipv4.tcp_syncookies",
      "5:31 «/proc/sys/net/ipv4/tcp_ecn» '/proc/sys/net/ipv4/tcp_ecn' is not a per-namespace sysctl name — write it dotted, as net.ipv4.tcp_ecn",
      "5:62 «kernel.hz» 'kernel.hz' is not a per-namespace sysctl name — only net.* sysctls belong to the DUT network namespace, e.g. net.ipv4.tcp_syncookies",
      "7:37 «TCP_MAXSGE» unknown socket option 'TCP_MAXSGE' — did you mean TCP_MAXSEG?",
      '7:63 «x» SO_RCVBUF takes a whole number, got "x" — e.g. SO_RCVBUF: 1',
      '9:31 «hlim» ttl and hlim are the same field — keep one of them',
      '9:52 «ip_total_length» ip_total_length exists only in IPv4 and this case has ip: 6 — move it to an ip: 4 case',
      '10:15 «id» id exists only in IPv4 and this case has ip: 6 — move the check to an ip: 4 case',
      '10:30 «tclass» tos and tclass are the same field — keep one of them',
      "11:27 «ListenDrops» 'ListenDrops' is not an nstat counter name — write it as nstat prints it, e.g. TcpExtListenDrops, TcpInCsumErrors",
    ]);
  });

  it('send destinations: broadcasts are IPv4 only, and the names are checked', () => {
    expect(
      problems(`ip: both\nsetup:\n  listen: { port: 8080, any: true }\nsteps:
  - send: { flags: S, to: broadcast }
  - send: { flags: S, to: multicast }
`),
    ).to.deep.equal(['8:27 «broadcast» to: broadcast exists only in IPv4 and this case has ip: both — use to: multicast, or make it an ip: 4 case']);
    expect(problems(`setup:\n  listen: { port: 8080 }\nsteps:\n  - send: { flags: S, to: anycast }\n`)).to.deep.equal([
      '7:27 «anycast» unknown destination "anycast" — use dut, broadcast, limited-broadcast or multicast',
    ]);
    const c = parseCaseText(
      `name: t\ndescription: t\nspec: "§3.1"\nsetup:\n  listen: { port: 8080, any: true }\nsteps:\n  - send: { flags: S, to: limited-broadcast }\n  - send: { flags: S }\n`,
      't.yaml',
    );
    expect(c.setup).to.deep.include({ kind: 'listen', any: true });
    expect(c.steps.map((x) => (x as { to?: string }).to)).to.deep.equal(['limited-broadcast', 'dut']);
  });

  it('reports every schema problem of a file, sorted by position', () => {
    expect(problems(`${LISTEN}steps:\n  - wait: 1 s\n  - wait: 2\n  - send: { flags: Q, window: 70000 }\n`)).to.deep.equal([
      '8:11 «2» 2 has no unit — write 2ms or 2s',
      '9:20 «Q» unknown TCP flag letter \'Q\' in "Q" — use scapy letters F S R P A U E C N (N = AE), e.g. SA',
      '9:31 «70000» 70000 is above 65535 — the window field is 0..65535',
    ]);
  });

  it('inside unions: the branch that fits the value reports', () => {
    expect(
      problems(`${LISTEN}steps:
  - send: { flags: S }
  - expect: [{ flags: SA }, { flags: { has: SX } }]
  - expect: { options: { contains: [mss=1460, sakOK] }, seq: [1], ack: { same: x } }
  - expect: { at: 1s, spec: 1 }
  - expect: model
  - expect: modle
`),
    ).to.deep.equal([
      '8:45 «SX» unknown TCP flag letter \'X\' in "SX" — use scapy letters F S R P A U E C N (N = AE), e.g. SA',
      "9:47 «sakOK» unknown TCP option 'sakOK' — did you mean 'sackOK'? Known options: mss=N, wscale=N, sackOK, sack=L:R/…, ts=VAL:ECR, nop, eol, tfo[=HEX], tfoexp[=HEX], md5=HEX, kind=N:HEX, raw=HEX (in expectations * stands for any value, e.g. ts=*:100)",
      '9:62 «[1» a range is two values [lo, hi], got [1] — e.g. [1, 1048575] or [dut.isn, dut.isn+10]',
      '9:80 «x» same: "x" needs <label>.<field> or <step number>.<field> — e.g. same: first-synack.seq',
      '10:19 «1s» "1s" has no tolerance — write e.g. "1s±100ms" (arrival times always carry one)',
      "10:23 «spec» unknown key 'spec' in expect (step 4) — known keys here: flow, label, model, flags, seq, ack, window, urg, len, payload, options, tsval, tsecr, ttl, hlim, tos, tclass, ecn, df, id, flowlabel, at, within",
      '12:13 «modle» expected model, a packet pattern or a list of them, got "modle" — write expect: model, expect: { flags: SA, … } or a list of patterns',
    ]);
  });
});
