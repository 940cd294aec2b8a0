// `synh import`: a compiled packetdrill script written as a YAML case file (cases/README.md), for
// those who want to extend it. What the YAML format cannot say yet (a link MTU, `same:` matchers) is
// refused by name; what it says differently is stated in the file's header comment. Pure.
import { pollNames } from '../case/vocab';
import { stringify } from 'yaml';
import type {
  CallStep,
  CaseFile,
  CmpMatcher,
  Expr,
  ExpectStep,
  FlagsMatcher,
  NumMatcher,
  OptionPattern,
  PacketPattern,
  SendOption,
  SendStep,
  Step,
  Value,
} from '../case/types';
import { flagsToString } from '../wire/flags';
import { SYN } from '../wire/types';
import { toHex } from '../wire/bytes';

/** A construct of the compiled case that YAML case files cannot express (yet). */
export class NotExpressible extends Error {}

const no = (what: string): never => {
  throw new NotExpressible(`${what} cannot be written in a YAML case file yet — run the script itself (synh run script.pkt)`);
};

const val = (v: Value): number | string => (typeof v === 'number' ? v : (v as Expr).text);

/** The YAML text of the case `c` compiled from a script. Throws NotExpressible. */
export function caseToYaml(c: CaseFile): string {
  if (c.mtu?.[4] !== undefined) no(`a link MTU (${c.mtu[4]})`);
  const v6Mtu = c.mtu?.[6] !== undefined && c.families.includes(6);
  const families = v6Mtu ? c.families.filter((f) => f === 4) : c.families;
  if (!families.length) no(`IPv6 at MTU ${c.mtu![6]}`);
  // labels for the packets whose Fast Open cookie a later send copies
  const labels = new Map<string, string>();
  for (const s of c.steps) {
    if (s.kind !== 'send') continue;
    for (const o of s.options) {
      if (o.kind === 'tfo' && typeof o.cookie === 'object' && 'from' in o.cookie)
        labels.set(`${o.cookie.from.step}/${o.cookie.from.packet}`, `cookie${o.cookie.from.step + 1}`);
    }
  }
  const doc: Record<string, unknown> = {
    name: c.name,
    description: c.description,
    spec: ['RFC 9293 §3.5'],
    kernel: c.kernel.text,
    ip: families.length === 2 ? 'both' : families[0],
  };
  if (c.sysctls.length) doc.sysctls = Object.fromEntries(c.sysctls.map((s) => [s.name, s.value]));
  const setup = c.setup;
  if (setup.kind === 'listen')
    doc.setup = { listen: { port: setup.port, backlog: setup.backlog, ...(setup.sockopts.length ? { sockopts: sockopts(setup.sockopts) } : {}) } };
  else if (setup.kind === 'connect')
    doc.setup = {
      connect: { port: setup.port, ...(setup.sockopts.length ? { sockopts: sockopts(setup.sockopts) } : {}), ...(setup.open ? { open: setup.open } : {}) },
    };
  else doc.setup = { closed: { port: setup.port } };
  doc.flows = Object.fromEntries(c.flows.map((f) => [f.name, { sport: f.sport, isn: f.isn }]));
  doc.steps = c.steps.map((s) => step(s, c, labels));
  const head = [
    `# Imported from the packetdrill script ${c.file} by synh import.`,
    '# Differences from running the script itself:',
    '#  - every packet the DUT sends is judged (as synh run --strict): add expectations for what comes after the last line;',
    "#  - an answer due with its stimulus is waited for `within` the script's tolerance (no lower bound);",
    ...(v6Mtu ? [`#  - IPv4 only: the script's IPv6 run needs a ${c.mtu![6]}-byte link, which case files cannot ask for yet;`] : []),
    '#  - spec: set the sections this case checks.',
    ...(c.source?.notes ?? []).map((n) => `# note: ${n}`),
  ];
  return `${head.join('\n')}\n${stringify(doc, { lineWidth: 0, flowCollectionPadding: true })}`;
}

function sockopts(list: CaseFile['setup'] extends infer S ? (S extends { sockopts: infer O } ? O : never) : never): Record<string, unknown> {
  return Object.fromEntries(list.map((o) => [o.name, o.value]));
}

function icmpYaml(s: Extract<Step, { kind: 'icmp' }>, labels: Map<string, string>): Record<string, unknown> {
  const q = s.quote;
  let quote: unknown;
  if ('ref' in q) quote = `@${labels.get(`${q.ref.step}/${q.ref.packet}`) ?? q.ref.step + 1}`;
  else
    quote = {
      seq: typeof q.seq === 'number' ? q.seq : q.seq.text,
      ...(q.len ? { len: q.len } : {}),
      ...(q.flags !== SYN ? { flags: flagsToString(q.flags) } : {}),
    };
  return {
    type: s.written.type,
    ...(s.written.code !== undefined ? { code: s.written.code } : {}),
    ...(s.mtu !== undefined ? { mtu: s.mtu } : {}),
    flow: s.flow,
    quote,
  };
}

function step(s: Step, c: CaseFile, labels: Map<string, string>): Record<string, unknown> {
  const note = s.note ? { note: s.note } : {};
  switch (s.kind) {
    case 'send':
      return { send: send(s, c), ...note };
    case 'icmp':
      return { icmp: icmpYaml(s, labels), ...note };
    case 'expect':
      return { expect: expect(s, c, labels), ...note };
    case 'wait':
      return { wait: `${s.ms}ms`, ...note };
    case 'call':
      return { call: call(s), ...note };
    case 'expect_none':
      return { expect_none: { for: `${s.ms}ms`, ...(s.flow ? { flow: s.flow } : {}) }, ...note };
    case 'assert': {
      if (s.procGrep) return no('a grep of /proc/net/tcp (a shell line)');
      if (!s.tcpInfo && s.counters.length && !s.acceptq && !s.synq && !s.states.length)
        return { assert: { counters: Object.fromEntries(s.counters.map((x) => [x.name, x.expect.text])) }, ...note };
      if (!s.tcpInfo || s.acceptq || s.synq || s.states.length || s.counters.length) return no('an assert step other than TCP_INFO checks or counters');
      const checks = s.tcpInfo.checks.map((x) => x.text);
      return { assert: { tcp_info: { on: s.tcpInfo.on, check: checks.length === 1 ? checks[0] : checks } }, ...note };
    }
    case 'sysctl':
      if (s.flushTcpMetrics) no('ip tcp_metrics flush (a shell line after the first call)');
      return { sysctl: Object.fromEntries(s.sysctls.map((x) => [x.name, x.value])), ...note };
  }
}

function send(s: SendStep, c: CaseFile): Record<string, unknown> {
  const out: Record<string, unknown> = { flags: flagsToString(s.flags), seq: val(s.seq), ack: val(s.ack), window: s.window };
  if (s.flow !== c.flows[0]?.name) out.flow = s.flow;
  if (s.options.length) out.options = s.options.map(sendOption);
  if (s.payload.length) out.payload = { len: s.payload.length };
  if (s.tos) out.tos = s.tos;
  return out;
}

function sendOption(o: SendOption): string {
  switch (o.kind) {
    case 'ts':
      return `ts=${val(o.val)}:${val(o.ecr)}`;
    case 'sack':
      return `sack=${o.blocks.map(([l, r]) => `${val(l)}:${val(r)}`).join('/')}`;
    case 'tfo': {
      const name = o.exp ? 'tfoexp' : 'tfo';
      if (o.cookie instanceof Uint8Array) return o.cookie.length ? `${name}=${toHex(o.cookie)}` : name;
      return 'from' in o.cookie ? `${name}=@cookie${o.cookie.from.step + 1}` : `${name}=kernel`;
    }
    default:
      return wireOption(o);
  }
}

function wireOption(o: Exclude<SendOption, { kind: 'ts' } | { kind: 'sack' } | { kind: 'tfo' }>): string {
  switch (o.kind) {
    case 'mss':
      return `mss=${o.value}`;
    case 'wscale':
      return `wscale=${o.shift}`;
    case 'sackOK':
      return 'sackOK';
    case 'nop':
      return 'nop';
    case 'eol':
      return 'eol';
    case 'md5':
      return `md5=${toHex(o.digest)}`;
    case 'unknown':
      return `kind=${o.type}:${toHex(o.data)}`;
    case 'bytes':
      return `raw=${toHex(o.bytes)}`;
  }
}

function expect(s: ExpectStep, c: CaseFile, labels: Map<string, string>): unknown {
  if (s.byModel) return 'model';
  const pats = s.packets.map((p, i) => pattern(p, c, labels.get(`${s.index}/${i}`)));
  return pats.length === 1 ? pats[0] : pats;
}

function pattern(p: PacketPattern, c: CaseFile, label: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (p.flow !== c.flows[0]?.name) out.flow = p.flow;
  if (label) out.label = label;
  if (!p.model) out.model = false; // agreement with the model is the default
  if (p.flags) out.flags = flags(p.flags);
  if (p.seq) out.seq = num(p.seq);
  if (p.ack) out.ack = num(p.ack);
  if (p.window) out.window = num(p.window);
  if (p.len) out.len = num(p.len);
  const opts = p.options;
  if (opts) out.options = opts.kind === 'exact' ? opts.items.map(optionPattern) : no('an options matcher other than an exact list');
  if (p.ecn !== undefined) out.ecn = ['not-ect', 'ect1', 'ect0', 'ce'][p.ecn];
  if (p.at) {
    if (p.at.min === -Infinity) out.within = `${Math.ceil(p.at.max)}ms`;
    else out.at = [`${p.at.min}ms`, `${p.at.max}ms`];
  } else if (p.within !== undefined) out.within = `${p.within}ms`;
  return out;
}

function flags(f: FlagsMatcher): unknown {
  switch (f.kind) {
    case 'exact':
      return flagsToString(f.flags);
    case 'mask':
      return { has: flagsToString(f.has), ...(f.lacks ? { lacks: flagsToString(f.lacks) } : {}) };
    case 'any':
      return '*';
    default:
      return no("flags equal to an earlier packet's");
  }
}

function num(m: NumMatcher): unknown {
  switch (m.kind) {
    case 'any':
      return '*';
    case 'value':
      return val(m.value);
    case 'range':
      return [val(m.lo), val(m.hi)];
    default:
      return no("a field equal to an earlier packet's");
  }
}

function optionPattern(o: OptionPattern): string {
  const n = (m: NumMatcher): string => String(num(m));
  switch (o.kind) {
    case 'mss':
      return `mss=${n(o.value)}`;
    case 'wscale':
      return `wscale=${n(o.shift)}`;
    case 'ts':
      return `ts=${n(o.val)}:${n(o.ecr)}`;
    case 'sack':
      return o.blocks === 'any' ? 'sack' : `sack=${o.blocks.map(([l, r]) => `${n(l)}:${n(r)}`).join('/')}`;
    case 'tfo': {
      const name = o.exp ? 'tfoexp' : 'tfo';
      return o.cookie === 'any' ? `${name}=*` : o.cookie.length ? `${name}=${toHex(o.cookie)}` : name;
    }
    case 'md5':
      return o.digest === 'any' ? 'md5' : `md5=${toHex(o.digest)}`;
    case 'unknown':
      return o.data === 'any' ? `kind=${o.type}` : `kind=${o.type}:${toHex(o.data)}`;
    case 'bytes':
      return `raw=${toHex(o.bytes)}`;
    case 'sackOK':
      return 'sackOK';
    case 'nop':
      return 'nop';
    case 'eol':
      return 'eol';
  }
}

function call(s: CallStep): Record<string, unknown> {
  const ex: Record<string, unknown> = {};
  if (s.expect.err) ex.err = s.expect.err;
  else if (s.expect.ok !== undefined) ex.ok = s.expect.ok;
  if (s.expect.ret) ex.ret = cmp(s.expect.ret);
  if (s.expect.value !== undefined) ex.value = s.expect.value;
  const expectPart = Object.keys(ex).length ? { expect: ex } : s.expect.ok === undefined && !s.expect.err ? { expect: {} } : {};
  switch (s.op) {
    case 'accept':
      return { op: 'accept', timeout: `${s.timeout}ms`, ...expectPart };
    case 'connect':
      return { op: 'connect', timeout: `${s.timeout}ms`, ...expectPart };
    case 'close':
      return { op: 'close', on: s.on, ...expectPart };
    case 'shutdown':
      return { op: 'shutdown', how: s.how, on: s.on, ...expectPart };
    case 'open-socket':
      return no('a call on a socket before its connect (getsockopt, or a setsockopt that fails)');
    case 'complete':
      return no('a blocking call that returns while packets flow (a sendto() or write() with a time range)');
    case 'send':
      if (s.blocking) no('a blocking call that returns while packets flow (a sendto() or write() with a time range)');
      return { op: 'send', data: { len: s.data.length }, on: s.on, ...(s.fastopen ? { fastopen: true } : {}), ...expectPart };
    case 'recv':
      return { op: 'recv', len: s.len, timeout: `${s.timeout}ms`, on: s.on, ...expectPart };
    case 'setsockopt':
      return { op: 'setsockopt', name: s.name, value: s.value, on: s.on, ...expectPart };
    case 'getsockopt':
      return { op: 'getsockopt', name: s.name, on: s.on, ...expectPart };
    case 'listen':
      return { op: 'listen', backlog: s.backlog, ...expectPart };
    case 'open-listener':
      return {
        op: 'open-listener',
        backlog: s.backlog,
        ...(s.sockopts.length ? { sockopts: Object.fromEntries(s.sockopts.map((o) => [o.name, o.value])) } : {}),
        ...expectPart,
      };
    case 'poll':
      return { op: 'poll', events: pollNames(s.events).split('|'), timeout: `${s.timeout}ms`, on: s.on, ...expectPart };
    case 'open-connection':
      if (s.blocking) no('a blocking sendto(MSG_FASTOPEN) (with a time range)');
      if (s.unspec) no('a sendto() to an AF_UNSPEC address');
      if (s.existing) no('a call on a socket before its connect (getsockopt, or a setsockopt that fails)');
      return {
        op: 'open-connection',
        flow: s.flow,
        ...(s.sockopts.length ? { sockopts: Object.fromEntries(s.sockopts.map((o) => [o.name, o.value])) } : {}),
        ...(s.fastopen !== undefined ? { fastopen: s.fastopen } : {}),
        ...expectPart,
      };
  }
}

function cmp(m: CmpMatcher): unknown {
  return m.op === 'range' ? [m.lo, m.hi] : m.op === '=' ? m.value : `${m.op}${m.value}`;
}
