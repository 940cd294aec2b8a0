// From the schema's output to the CaseFile a runner consumes: fills every default, resolves flows,
// labels and `same:` references, and rejects impossible step orders (see cases/README.md, "Checks
// at load time"). Reports problems as path-addressed issues; parse.ts turns paths into line:column.
// Pure.
import { POLL_EVENTS } from './vocab';
import { ACK, SYN } from '../wire/types';
import { show } from '../yaml-kit/show';
import type { RawSendOption } from './options';
import type { CaseRaw, FlagsMatcherRaw, NumMatcherRaw } from './schema';
import { closest } from '../yaml-kit/suggest';
import { CASE_NAME_RE, caseNameFromPath } from './case-name';
import type {
  AssertStep,
  CallExpect,
  CallStep,
  CaseFile,
  Expr,
  ExpectStep,
  FlagsMatcher,
  Flow,
  Mistakes,
  NumMatcher,
  OptionPattern,
  OptionsMatcher,
  PacketPattern,
  PacketRef,
  SendOption,
  SendStep,
  Setup,
  SockOpt,
  CaseSockoptValue,
  SourcePos,
  Step,
  TcpInfoCheck,
  Value,
} from './types';
import { DEFAULT_WITHIN_MS } from './types';
import { InfoExprError, parseInfoExpr } from './tcp-info';
import { COUNTER_RE, IDENT_RE, KNOWN_COUNTERS, SOCKOPTS, SOCKOPT_NAMES, SYSCTL_RE } from './vocab';
import { sysctlProblem } from './sysctl-check';

export type Path = ReadonlyArray<string | number>;

/** A problem at a path of the YAML document; `at: 'key'` points at the key rather than its value. */
export interface PathIssue {
  path: Path;
  message: string;
  at?: 'key';
}

const ECN: Record<string, number> = { 'not-ect': 0, ect1: 1, ect0: 2, ce: 3 };
const DEFAULT_SPORT = 40000;
const DEFAULT_ISN = 1000;
const DEFAULT_WINDOW = 65535;
const DEFAULT_TTL = 64;
const DEFAULT_BACKLOG = 128;
const DEFAULT_CALL_TIMEOUT = 1000;
const DEFAULT_RECV_LEN = 65536;

type RawStep = CaseRaw['steps'][number];
type RawPattern = Exclude<NonNullable<RawStep['expect']>, 'model' | unknown[]>;
type RawSend = NonNullable<RawStep['send']>;
type RawCall = NonNullable<RawStep['call']>;

interface FlowState {
  /** an earlier packet could have bound dut.isn */
  dutIsn: boolean;
  dutTs: boolean;
  peerTs: boolean;
}

interface LabelInfo {
  step: number;
  packet: number;
  kind: 'send' | 'expect';
}

/**
 * Normalises a schema-valid case. `posOf(path, atKey)` gives the position of a YAML node (used for
 * the `pos` of steps and patterns). Returns the case, or the issues found (never both).
 */
export function normaliseCase(raw: CaseRaw, file: string, posOf: (path: Path, atKey?: boolean) => SourcePos): { value?: CaseFile; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const problem = (path: Path, message: string, at?: 'key') => issues.push(at ? { path, message, at } : { path, message });

  // ---- header
  const name = raw.name ?? caseNameFromPath(file);
  if (!CASE_NAME_RE.test(name)) {
    problem([], `the case has no name: and its file's path gives '${name}', which is not kebab-case — add name: (e.g. name: my-case) or rename the file`);
  }
  const ip = raw.ip ?? 4;
  const families: Array<4 | 6> = ip === 'both' ? [4, 6] : [ip];
  const ipName = ip === 'both' ? 'ip: both' : `ip: ${ip}`;
  const spec = Array.isArray(raw.spec) ? raw.spec : [raw.spec];
  const kernel = raw.kernel ?? { text: '*', anyOf: [] };

  const sysctls: CaseFile['sysctls'] = [];
  for (const [name, value] of Object.entries(raw.sysctls ?? {})) {
    if (!SYSCTL_RE.test(name)) {
      const hint = name.includes('/')
        ? `write it dotted, as ${name.replace(/^\/?(proc\/sys\/)?/, '').replace(/\//g, '.')}`
        : /^(ipv4|ipv6|core)\./.test(name)
          ? `write the full name, net.${name}`
          : /^(tcp|ip|udp|icmp)_\w+$/.test(name)
            ? `write the full name, net.ipv4.${name}`
            : 'only net.* sysctls belong to the DUT network namespace, e.g. net.ipv4.tcp_syncookies';
      problem(['sysctls', name], `'${name}' is not a per-namespace sysctl name — ${hint}`, 'key');
      continue;
    }
    const bad = sysctlProblem(name, value);
    if (bad) {
      problem(['sysctls', name], bad.message, bad.at);
      continue;
    }
    sysctls.push({ name, value: Array.isArray(value) ? value.join(' ') : value });
  }

  // ---- setup
  const rs = raw.setup;
  let setup: Setup;
  if (rs.listen) {
    setup = {
      kind: 'listen',
      port: rs.listen.port,
      backlog: rs.listen.backlog ?? DEFAULT_BACKLOG,
      sockopts: sockopts(rs.listen.sockopts, ['setup', 'listen', 'sockopts']),
      ...(rs.listen.any ? { any: true as const } : {}),
    };
  } else if (rs.connect) {
    setup = { kind: 'connect', port: rs.connect.port, sockopts: sockopts(rs.connect.sockopts, ['setup', 'connect', 'sockopts']) };
    if (rs.connect.bind !== undefined) setup.bind = rs.connect.bind;
    if (rs.connect.open) setup.open = rs.connect.open;
  } else {
    setup = { kind: 'closed', port: rs.closed!.port };
  }

  function sockopts(o: Record<string, unknown> | undefined, path: Path): SockOpt[] {
    const out: SockOpt[] = [];
    for (const [name, value] of Object.entries(o ?? {})) {
      const v = sockoptValue(name, value, [...path, name], 'set', true);
      if (v !== undefined) out.push({ name, value: v });
    }
    return out;
  }

  /** Checks a socket option name (and value when setting); undefined when wrong. */
  function sockoptValue(name: string, value: unknown, path: Path, use: 'set' | 'get', nameIsKey: boolean): CaseSockoptValue | undefined {
    const def = SOCKOPTS[name];
    const namePath = nameIsKey ? path : [...path.slice(0, -1), 'name'];
    if (!def) {
      const g = closest(name, SOCKOPT_NAMES);
      problem(namePath, `unknown socket option '${name}' — ${g ? `did you mean ${g}?` : `known: ${SOCKOPT_NAMES.join(', ')}`}`, nameIsKey ? 'key' : undefined);
      return undefined;
    }
    if (use === 'set' && def.access === 'r') {
      problem(namePath, `${name} can only be read — use getsockopt, or set another option`, nameIsKey ? 'key' : undefined);
      return undefined;
    }
    if (use === 'get' && def.access === 'w') {
      problem(namePath, `${name} cannot be read back — the kernel has no getsockopt for it`);
      return undefined;
    }
    if (use === 'get') return 0;
    const valuePath = nameIsKey ? path : [...path.slice(0, -1), 'value'];
    switch (def.kind) {
      case 'int':
        if (typeof value === 'boolean') return value ? 1 : 0;
        if (typeof value === 'number' && Number.isInteger(value)) return value;
        problem(valuePath, `${name} takes a whole number, got ${show(value)} — e.g. ${name}: 1`);
        return undefined;
      case 'string':
        if (typeof value === 'string') return value;
        problem(valuePath, `${name} takes a string, got ${show(value)} — e.g. ${name}: ${name === 'TCP_CONGESTION' ? 'reno' : 'eth0'}`);
        return undefined;
      case 'bytes':
        if (typeof value === 'string' && /^([0-9a-fA-F]{2})+$/.test(value)) return value.toLowerCase();
        problem(valuePath, `${name} takes hex bytes, got ${show(value)} — e.g. ${name}: 00112233445566778899aabbccddeeff`);
        return undefined;
      case 'md5sig':
        if (typeof value === 'string') return { key: value };
        if (value && typeof value === 'object' && ('key' in value || 'keyHex' in value)) return value as CaseSockoptValue;
        problem(valuePath, `${name} takes the key for the peer's address, got ${show(value)} — write ${name}: secret or { key: secret }`);
        return undefined;
      case 'linger':
        if (value && typeof value === 'object' && 'onoff' in value) {
          const l = value as { onoff: number | boolean; linger: number };
          return { onoff: l.onoff === true ? 1 : l.onoff === false ? 0 : l.onoff, linger: l.linger };
        }
        problem(valuePath, `${name} takes { onoff, linger }, got ${show(value)} — e.g. ${name}: { onoff: 1, linger: 0 }`);
        return undefined;
    }
  }

  // ---- flows
  const flows: Flow[] = [];
  const openConnections = (raw.steps ?? []).some((x) => (x as { call?: { op?: unknown } }).call?.op === 'open-connection');
  const rawFlows: Array<[string, { sport?: number; isn?: number }]> = raw.flows ? Object.entries(raw.flows) : [['a', {}]];
  const sports = new Map<number, string>();
  rawFlows.forEach(([name, f], i) => {
    if (!IDENT_RE.test(name)) {
      problem(['flows', name], `'${name}' is not a valid flow name — start with a lower-case letter, then letters, digits, '-' or '_'`, 'key');
    }
    let sport = f.sport ?? (setup.kind === 'connect' ? setup.port : DEFAULT_SPORT + i);
    if (setup.kind === 'connect') {
      // later flows are connections a call open-connection makes, to their own sport
      if (i > 0 && !openConnections) {
        problem(
          ['flows', name],
          `an active-open case has one connection per flow, and only an open-connection call makes another — remove flow '${name}' or add - call: { op: open-connection, flow: ${name} }`,
          'key',
        );
      }
      if (i === 0 && f.sport !== undefined && f.sport !== setup.port) {
        problem(
          ['flows', name, 'sport'],
          `in an active-open case the flow's sport is the port the DUT connects to (${setup.port}) — drop sport or make it ${setup.port}`,
        );
        sport = setup.port;
      }
    }
    const other = sports.get(sport);
    if (other !== undefined) {
      const path = f.sport !== undefined ? ['flows', name, 'sport'] : ['flows', name];
      problem(path, `flows '${other}' and '${name}' both use sport ${sport} — give each flow its own sport`, f.sport !== undefined ? undefined : 'key');
    } else {
      sports.set(sport, name);
    }
    flows.push({ name, sport, isn: f.isn ?? DEFAULT_ISN });
  });
  const flowNames = flows.map((f) => f.name);
  const defaultFlow = flowNames[0];

  function flowRef(name: string | undefined, path: Path): string {
    if (name === undefined) return defaultFlow;
    if (!flowNames.includes(name)) {
      const g = closest(name, flowNames);
      const where = raw.flows ? `flows: ${flowNames.join(', ')}` : `the only flow is 'a' (define more under flows:)`;
      problem(path, `unknown flow '${name}' — ${g ? `did you mean '${g}'? ` : ''}${where}`);
      return defaultFlow;
    }
    return name;
  }

  // ---- steps: a first pass for every label (to tell "later" from "unknown")
  const allLabels = new Map<string, number>();
  raw.steps.forEach((s, i) => {
    if (s.send?.label) allLabels.set(s.send.label, allLabels.get(s.send.label) ?? i);
    const ex = s.expect;
    if (ex && ex !== 'model') for (const p of Array.isArray(ex) ? ex : [ex]) if (p.label) allLabels.set(p.label, allLabels.get(p.label) ?? i);
  });

  const fstate = new Map<string, FlowState>(flowNames.map((n) => [n, { dutIsn: false, dutTs: false, peerTs: false }]));
  const labels = new Map<string, LabelInfo>();
  const stepKind: Array<Step['kind'] | 'model'> = [];
  let hasCause = setup.kind === 'connect';
  let accepted = false;
  const closedAt: { listener?: number; conn?: number } = {};
  const steps: Step[] = [];

  function defineLabel(label: string | undefined, path: Path, info: LabelInfo) {
    if (label === undefined) return;
    const prev = labels.get(label);
    if (prev) {
      problem(path, `label '${label}' is already used at step ${prev.step + 1} — give each packet its own label`);
      return;
    }
    labels.set(label, info);
  }

  function resolveRef(ref: string, path: Path, stepIndex: number, what: string): PacketRef | undefined {
    if (/^\d+$/.test(ref)) {
      const n = Number(ref);
      if (n < 1 || n > stepIndex) {
        problem(
          path,
          `${what} refers to step ${n}, but only steps 1..${stepIndex} come before it — refer to an earlier step (numbers start at 1) or use a label`,
        );
        return undefined;
      }
      const k = stepKind[n - 1];
      if (k !== 'send' && k !== 'expect') {
        problem(
          path,
          `${what} refers to step ${n}, which is ${k === 'model' ? 'expect: model' : `a ${k} step`} and has no packet of its own — refer to a send or an explicit expect`,
        );
        return undefined;
      }
      return { step: n - 1, packet: 0, text: ref };
    }
    const info = labels.get(ref);
    if (!info) {
      const later = allLabels.get(ref);
      if (later !== undefined) {
        problem(path, `label '${ref}' is defined later, at step ${later + 1} — ${what} can only refer to earlier packets`);
      } else {
        const known = [...labels.keys()];
        const g = closest(ref, known);
        problem(
          path,
          `unknown label '${ref}' — ${g ? `did you mean '${g}'? ` : ''}${known.length ? `labels so far: ${known.join(', ')}` : 'no packet before this step has a label (add label: to one)'}`,
        );
      }
      return undefined;
    }
    return { step: info.step, packet: info.packet, label: ref, text: ref };
  }

  const activeWord = setup.kind === 'connect' ? "the DUT's SYN" : "the DUT's SYN-ACK";

  /** Attaches the flow to an expression and checks that its base can be bound at this point. */
  function useValue(v: Value, flow: string, path: Path, selfBindsIsn: boolean): Value {
    if (typeof v === 'number') return v;
    const e: Expr = { ...v, flow };
    const st = fstate.get(flow)!;
    if (e.base === 'dut.isn' && !st.dutIsn && !selfBindsIsn) {
      if (setup.kind === 'closed') {
        problem(path, `${e.text}: a closed port never sends a SYN, so dut.isn is never known — write the number instead`);
      } else {
        problem(path, `${e.text} is used before dut.isn is known on flow ${flow} — add an expect that sees ${activeWord} on flow ${flow} before this step`);
      }
    } else if (e.base === 'dut.tsval' && !st.dutTs) {
      problem(
        path,
        `${e.text} is used before any expected packet on flow ${flow} could carry a TS option — expect a packet with TS first, or write the number`,
      );
    } else if (e.base === 'peer.tsval' && !st.peerTs) {
      problem(path, `${e.text} is used before the peer sent a TS option on flow ${flow} — send ts=VAL:ECR on flow ${flow} first, or write the number`);
    }
    return e;
  }

  function numMatcher(m: NumMatcherRaw | undefined, flow: string, path: Path, stepIndex: number, selfBindsIsn: boolean): NumMatcher | undefined {
    if (m === undefined) return undefined;
    switch (m.kind) {
      case 'any':
        return m;
      case 'value':
        return { kind: 'value', value: useValue(m.value, flow, path, selfBindsIsn), text: m.text };
      case 'range':
        return { kind: 'range', lo: useValue(m.lo, flow, path, selfBindsIsn), hi: useValue(m.hi, flow, path, selfBindsIsn), text: m.text };
      case 'same': {
        const ref = resolveRef(m.ref, [...path, 'same'], stepIndex, 'same:');
        return ref ? { kind: 'same', ref, field: m.field, text: m.text } : undefined;
      }
    }
  }

  function flagsMatcher(m: FlagsMatcherRaw | undefined, path: Path, stepIndex: number): FlagsMatcher | undefined {
    if (m === undefined) return undefined;
    if (m.kind === 'same') {
      const ref = resolveRef(m.ref, [...path, 'same'], stepIndex, 'same:');
      if (m.field !== 'flags') problem([...path, 'same'], `flags can only be the same as another packet's flags — write same: ${m.ref}.flags`);
      return ref ? { kind: 'same', ref, text: m.text } : undefined;
    }
    return m;
  }

  function optionPatterns(items: OptionPattern[], flow: string, path: Path): OptionPattern[] {
    return items.map((o, k) => {
      const p = [...path, k];
      const fix = (n: NumMatcher): NumMatcher => (n.kind === 'value' ? { ...n, value: useValue(n.value, flow, p, false) } : n);
      switch (o.kind) {
        case 'mss':
          return { ...o, value: fix(o.value) };
        case 'wscale':
          return { ...o, shift: fix(o.shift) };
        case 'ts':
          return { ...o, val: fix(o.val), ecr: fix(o.ecr) };
        case 'sack':
          return o.blocks === 'any' ? o : { ...o, blocks: o.blocks.map(([l, r]) => [fix(l), fix(r)] as [NumMatcher, NumMatcher]) };
        default:
          return o;
      }
    });
  }

  const hasTs = (items: OptionPattern[]) => items.some((o) => o.kind === 'ts');

  function pattern(p: RawPattern, path: Path, stepIndex: number, packet: number): PacketPattern {
    const flow = flowRef(p.flow, [...path, 'flow']);
    const st = fstate.get(flow)!;
    const flags = flagsMatcher(p.flags, [...path, 'flags'], stepIndex);
    const mayBeSyn =
      !flags ||
      flags.kind === 'any' ||
      flags.kind === 'same' ||
      (flags.kind === 'exact' && (flags.flags & SYN) !== 0) ||
      (flags.kind === 'mask' && (flags.lacks & SYN) === 0);
    const saysSyn = (flags?.kind === 'exact' && (flags.flags & SYN) !== 0) || (flags?.kind === 'mask' && (flags.has & SYN) !== 0);
    if (setup.kind === 'closed' && saysSyn) {
      problem([...path, 'flags'], `a closed port never answers with SYN — expect a RST (R or RA), or use setup: { listen: … }`);
    }
    const bindsIsn = mayBeSyn && setup.kind !== 'closed';
    const out: PacketPattern = { pos: posOf(path), flow, model: p.model ?? true };
    if (p.label !== undefined) out.label = p.label;
    if (flags) out.flags = flags;
    const num = (key: keyof RawPattern, m: NumMatcherRaw | undefined) => numMatcher(m, flow, [...path, key], stepIndex, bindsIsn);
    const set = <K extends keyof PacketPattern>(k: K, v: PacketPattern[K] | undefined) => {
      if (v !== undefined) out[k] = v;
    };
    set('seq', num('seq', p.seq));
    set('ack', num('ack', p.ack));
    set('window', num('window', p.window));
    set('urg', num('urg', p.urg));
    set('len', num('len', p.len));
    set('payload', p.payload);
    if (p.options) {
      const o = p.options;
      const om: OptionsMatcher =
        o.kind === 'exact'
          ? { kind: 'exact', items: optionPatterns(o.items, flow, [...path, 'options']) }
          : {
              kind: 'some',
              contains: optionPatterns(o.contains, flow, [...path, 'options', 'contains']),
              lacks: optionPatterns(o.lacks, flow, [...path, 'options', 'lacks']),
            };
      out.options = om;
    }
    set('tsval', num('tsval', p.tsval));
    set('tsecr', num('tsecr', p.tsecr));
    if (p.ttl && p.hlim) problem([...path, 'hlim'], 'ttl and hlim are the same field — keep one of them', 'key');
    set('ttl', num(p.ttl ? 'ttl' : 'hlim', p.ttl ?? p.hlim));
    if (p.tos && p.tclass) problem([...path, 'tclass'], 'tos and tclass are the same field — keep one of them', 'key');
    set('tos', num(p.tos ? 'tos' : 'tclass', p.tos ?? p.tclass));
    if (p.ecn !== undefined) out.ecn = ECN[p.ecn];
    for (const k of ['df', 'id'] as const) {
      if (p[k] !== undefined && ip !== 4) {
        problem([...path, k], `${k} exists only in IPv4 and this case has ${ipName} — move the check to an ip: 4 case`, 'key');
      }
    }
    if (p.df !== undefined) out.df = p.df;
    set('id', num('id', p.id));
    if (p.flowlabel !== undefined && ip !== 6) {
      problem([...path, 'flowlabel'], `the flow label exists only in IPv6 and this case has ${ipName} — move the check to an ip: 6 case`, 'key');
    }
    set('flowlabel', num('flowlabel', p.flowlabel));
    if (p.at) out.at = p.at;
    if (p.within !== undefined) {
      if (p.within <= 0) problem([...path, 'within'], 'within must be more than 0ms — use expect_none to check that nothing arrives');
      out.within = p.within;
    } else if (!p.at) {
      out.within = DEFAULT_WITHIN_MS;
    }
    // What this packet may bind for later steps.
    if (bindsIsn) st.dutIsn = true;
    const mayCarryTs = !out.options || (out.options.kind === 'exact' ? hasTs(out.options.items) : !hasTs(out.options.lacks));
    if (mayCarryTs || out.tsval || out.tsecr) st.dutTs = true;
    defineLabel(p.label, [...path, 'label'], { step: stepIndex, packet, kind: 'expect' });
    return out;
  }

  function send(s: RawSend, path: Path, i: number): SendStep {
    const flow = flowRef(s.flow, [...path, 'flow']);
    const st = fstate.get(flow)!;
    const flagsPath = [...path, 'flags'];
    let seq: Value;
    if (s.seq !== undefined) seq = useValue(s.seq, flow, [...path, 'seq'], false);
    else seq = { base: 'peer.isn', offset: s.flags & SYN ? 0 : 1, flow, text: s.flags & SYN ? 'peer.isn' : 'peer.isn+1' };
    let ack: Value;
    if (s.ack !== undefined) {
      ack = useValue(s.ack, flow, [...path, 'ack'], false);
    } else if (s.flags & ACK) {
      ack = { base: 'dut.isn', offset: 1, flow, text: 'dut.isn+1' };
      if (!st.dutIsn) {
        problem(
          flagsPath,
          setup.kind === 'closed'
            ? `this segment has ACK set, so its ack defaults to dut.isn+1, but a closed port never sends a SYN — give ack: explicitly`
            : `this segment has ACK set, so its ack defaults to dut.isn+1, but dut.isn is not known yet on flow ${flow} — add an expect that sees ${activeWord} before this send, or give ack: explicitly`,
        );
      }
    } else {
      ack = 0;
    }
    const options: SendOption[] = [];
    (s.options ?? []).forEach((o: RawSendOption, k) => {
      const p = [...path, 'options', k];
      if (o.kind === 'ts') options.push({ kind: 'ts', val: useValue(o.val, flow, p, false), ecr: useValue(o.ecr, flow, p, false) });
      else if (o.kind === 'sack')
        options.push({ kind: 'sack', blocks: o.blocks.map(([l, r]) => [useValue(l, flow, p, false), useValue(r, flow, p, false)] as [Value, Value]) });
      else if (o.kind === 'tfo' && !(o.cookie instanceof Uint8Array) && 'label' in o.cookie) {
        const ref = resolveRef(o.cookie.label, p, i, 'tfo=@label');
        if (ref && labels.get(o.cookie.label)?.kind !== 'expect') {
          problem(
            p,
            `tfo=@${o.cookie.label} copies the cookie from a packet the DUT sent, but '${o.cookie.label}' labels a sent packet — label the SYN-ACK that carries the cookie`,
          );
        }
        if (ref) options.push(o.exp ? { kind: 'tfo', cookie: { from: ref }, exp: true } : { kind: 'tfo', cookie: { from: ref } });
      } else options.push(o as SendOption);
    });
    if (s.ttl !== undefined && s.hlim !== undefined) problem([...path, 'hlim'], 'ttl and hlim are the same field — keep one of them', 'key');
    if (s.tos !== undefined && s.tclass !== undefined) problem([...path, 'tclass'], 'tos and tclass are the same field — keep one of them', 'key');
    let tos = s.tos ?? s.tclass ?? 0;
    if (s.ecn !== undefined) tos = (tos & 0xfc) | ECN[s.ecn];
    const mistakes: Mistakes = {};
    const m = s.mistakes;
    if (m) {
      for (const k of ['ip_checksum', 'ip_total_length'] as const) {
        if (m[k] !== undefined && ip !== 4) {
          problem([...path, 'mistakes', k], `${k} exists only in IPv4 and this case has ${ipName} — move it to an ip: 4 case`, 'key');
        }
      }
      if (m.tcp_checksum !== undefined) mistakes.tcpChecksum = m.tcp_checksum;
      if (m.ip_checksum !== undefined) mistakes.ipChecksum = m.ip_checksum;
      if (m.data_offset !== undefined) mistakes.dataOffset = m.data_offset;
      if (m.ip_total_length !== undefined) mistakes.ipTotalLength = m.ip_total_length;
      if (m.reserved_bits !== undefined) mistakes.reservedBits = m.reserved_bits;
    }
    const to = s.to ?? 'dut';
    if ((to === 'broadcast' || to === 'limited-broadcast') && ip !== 4) {
      problem([...path, 'to'], `to: ${to} exists only in IPv4 and this case has ${ipName} — use to: multicast, or make it an ip: 4 case`);
    }
    const out: SendStep = {
      kind: 'send',
      index: i,
      pos: posOf(path, true),
      flow,
      flags: s.flags,
      seq,
      ack,
      window: s.window ?? DEFAULT_WINDOW,
      urg: s.urg ?? 0,
      options,
      payload: s.payload ?? new Uint8Array(0),
      tos,
      ttl: s.ttl ?? s.hlim ?? DEFAULT_TTL,
      mistakes,
      to,
    };
    if (s.label !== undefined) out.label = s.label;
    if (options.some((o) => o.kind === 'ts')) st.peerTs = true;
    defineLabel(s.label, [...path, 'label'], { step: i, packet: 0, kind: 'send' });
    return out;
  }

  function call(c: RawCall, path: Path, i: number): CallStep {
    const opPath = [...path, 'op'];
    const base = { kind: 'call' as const, index: i, pos: posOf(path, true) };
    const ex = c.expect ?? { ok: true };
    const expect: CallExpect = {};
    if (ex.ok !== undefined) expect.ok = ex.ok;
    if (ex.ret !== undefined) expect.ret = ex.ret;
    if (ex.err !== undefined) expect.err = ex.err;
    if (ex.value !== undefined) expect.value = ex.value;
    if (ex.data !== undefined) expect.data = ex.data;
    if (ex.ok === true && ex.err !== undefined) {
      problem([...path, 'expect', 'err'], `expect has ok: true and err: ${ex.err} — a call that fails is ok: false; drop one of them`, 'key');
    }
    if (ex.value !== undefined && c.op !== 'getsockopt' && c.op !== 'poll')
      problem([...path, 'expect', 'value'], `value: is what getsockopt reads (or poll's revents) — ${c.op} has none`, 'key');
    if (ex.data !== undefined && c.op !== 'recv') problem([...path, 'expect', 'data'], `data: is what recv reads — ${c.op} has none`, 'key');

    if (setup.kind === 'closed') {
      problem(opPath, `${c.op}: a closed: case has no socket to call — use setup: { listen: … } or { connect: … }`);
    }
    const sockOf = (on: 'listener' | 'conn' | undefined, dflt: 'listener' | 'conn'): 'listener' | 'conn' => {
      const s = on ?? (setup.kind === 'connect' ? 'conn' : dflt);
      const onPath = on ? [...path, 'on'] : opPath;
      if (setup.kind === 'connect' && s === 'listener') {
        problem(onPath, `${c.op} on the listener, but this case has setup: connect (no listener) — use on: conn`);
      } else if (setup.kind === 'listen' && s === 'conn' && !accepted) {
        problem(onPath, `${c.op} on conn (the accepted socket), but no earlier step accepts a connection — add - call: { op: accept } before it`);
      }
      if (setup.kind !== 'closed' && closedAt[s] !== undefined) {
        problem(
          onPath,
          `${c.op} on the ${s === 'listener' ? 'listener' : 'connection'}, which step ${closedAt[s]! + 1} closed — remove the close or move it after this step`,
        );
      }
      return s;
    };
    const succeeds = ex.ok !== false && ex.err === undefined;
    switch (c.op) {
      case 'accept':
        if (setup.kind === 'connect') problem(opPath, `accept needs a listener, but this case has setup: connect — accept belongs with setup: { listen: … }`);
        if (setup.kind === 'listen') {
          if (closedAt.listener !== undefined)
            problem(opPath, `accept on the listener, which step ${closedAt.listener + 1} closed — remove the close or move it after this step`);
          if (succeeds) {
            accepted = true;
            delete closedAt.conn;
          }
        }
        return { ...base, expect, op: 'accept', on: 'listener', timeout: c.timeout ?? DEFAULT_CALL_TIMEOUT };
      case 'connect':
        if (setup.kind === 'listen')
          problem(opPath, `connect waits for the connect() of setup: connect, but this case has setup: listen — use setup: { connect: { port: … } }`);
        return { ...base, expect, op: 'connect', on: 'conn', timeout: c.timeout ?? DEFAULT_CALL_TIMEOUT };
      case 'listen':
        if (setup.kind === 'connect') problem(opPath, `listen needs setup: listen — this case has setup: connect`);
        if (closedAt.listener !== undefined)
          problem(opPath, `listen on the listener, which step ${closedAt.listener + 1} closed — remove the close or move it after this step`);
        return { ...base, expect, op: 'listen', on: 'listener', backlog: c.backlog };
      case 'open-listener':
        if (setup.kind !== 'listen') problem(opPath, `open-listener needs setup: listen — this case has setup: ${setup.kind}`);
        else if (closedAt.listener === undefined)
          problem(opPath, 'open-listener opens a new listener once the previous one is closed — close the listener first (call: { op: close, on: listener })');
        delete closedAt.listener;
        return { ...base, expect, op: 'open-listener', on: 'listener', backlog: c.backlog ?? 128, sockopts: sockopts(c.sockopts, [...path, 'sockopts']) };
      case 'close': {
        const on = sockOf(c.on, 'listener');
        if (setup.kind !== 'closed') closedAt[on] = i;
        return { ...base, expect, op: 'close', on };
      }
      case 'shutdown':
        return { ...base, expect, op: 'shutdown', on: sockOf(c.on, 'conn'), how: c.how };
      case 'send':
        return { ...base, expect, op: 'send', on: sockOf(c.on, 'conn'), data: c.data, ...(c.fastopen ? { fastopen: true as const } : {}) };
      case 'open-connection': {
        if (setup.kind !== 'connect') problem(opPath, `open-connection needs setup: connect — this case has setup: ${setup.kind}`);
        const flow = c.flow ?? defaultFlow;
        if (!flowNames.includes(flow)) problem([...path, 'flow'], `no flow '${flow}' — flows: ${flowNames.join(', ')}`);
        delete closedAt.conn;
        return {
          ...base,
          expect,
          op: 'open-connection',
          on: 'conn',
          flow,
          sockopts: sockopts(c.sockopts, [...path, 'sockopts']),
          ...(c.fastopen !== undefined ? { fastopen: c.fastopen } : {}),
        };
      }
      case 'recv':
        return { ...base, expect, op: 'recv', on: sockOf(c.on, 'conn'), len: c.len ?? DEFAULT_RECV_LEN, timeout: c.timeout ?? DEFAULT_CALL_TIMEOUT };
      case 'setsockopt': {
        const on = sockOf(c.on, 'listener');
        const value = sockoptValue(c.name, c.value, [...path, 'value'], 'set', false);
        return { ...base, expect, op: 'setsockopt', on, name: c.name, value: value ?? 0 };
      }
      case 'poll': {
        let events = 0;
        c.events.forEach((n, k) => {
          const b = POLL_EVENTS[n];
          if (b === undefined) problem([...path, 'events', k], `unknown poll event '${n}' — use ${Object.keys(POLL_EVENTS).join(', ')}`);
          else events |= b;
        });
        return { ...base, expect, op: 'poll', on: sockOf(c.on, 'conn'), events, timeout: c.timeout ?? DEFAULT_CALL_TIMEOUT };
      }
      case 'getsockopt': {
        const on = sockOf(c.on, 'listener');
        sockoptValue(c.name, undefined, [...path, 'name'], 'get', false);
        return { ...base, expect, op: 'getsockopt', on, name: c.name };
      }
    }
  }

  raw.steps.forEach((s, i) => {
    const sp: Path = ['steps', i];
    const note = s.note !== undefined ? { note: s.note } : {};
    if (s.send) {
      const step = send(s.send, [...sp, 'send'], i);
      steps.push({ ...step, ...note });
      stepKind.push('send');
      hasCause = true;
    } else if (s.expect !== undefined) {
      const ep = [...sp, 'expect'];
      if (!hasCause) {
        problem(
          ep,
          setup.kind === 'closed'
            ? 'nothing before this expect makes the DUT send anything (a closed port only answers) — add the send it answers before it'
            : 'nothing before this expect makes the DUT send anything (a listener only answers) — add the send or call that triggers it before it',
          'key',
        );
      }
      let step: ExpectStep;
      if (s.expect === 'model') {
        step = { kind: 'expect', index: i, pos: posOf(ep, true), byModel: true, packets: [] };
        if (setup.kind !== 'closed') for (const st of fstate.values()) st.dutIsn = true;
        for (const st of fstate.values()) st.dutTs = true;
        stepKind.push('model');
      } else {
        const list = Array.isArray(s.expect) ? s.expect : [s.expect];
        const packets = list.map((p, k) => pattern(p, Array.isArray(s.expect) ? [...ep, k] : ep, i, k));
        step = { kind: 'expect', index: i, pos: posOf(ep, true), byModel: false, packets };
        stepKind.push('expect');
      }
      steps.push({ ...step, ...note });
    } else if (s.expect_none !== undefined) {
      const ep = [...sp, 'expect_none'];
      const en = s.expect_none;
      if (en.ms <= 0) problem(ep, 'expect_none needs a duration above 0ms — e.g. expect_none: 300ms', 'key');
      const flow = en.flow !== undefined ? flowRef(en.flow, [...ep, 'flow']) : undefined;
      steps.push({ kind: 'expect_none', index: i, pos: posOf(ep, true), ms: en.ms, ...(flow ? { flow } : {}), ...note });
      stepKind.push('expect_none');
    } else if (s.call) {
      steps.push({ ...call(s.call, [...sp, 'call'], i), ...note });
      stepKind.push('call');
      hasCause = true;
    } else if (s.wait !== undefined) {
      if (s.wait <= 0) problem([...sp, 'wait'], 'wait needs a duration above 0ms — e.g. wait: 600ms');
      steps.push({ kind: 'wait', index: i, pos: posOf([...sp, 'wait'], true), ms: s.wait, ...note });
      stepKind.push('wait');
    } else if (s.assert) {
      const ap = [...sp, 'assert'];
      const a = s.assert;
      if (a.acceptq === undefined && a.synq === undefined && a.state === undefined && a.counters === undefined && a.tcp_info === undefined) {
        problem(ap, 'assert checks nothing — give acceptq, synq, state, counters or tcp_info', 'key');
      }
      for (const k of ['acceptq', 'synq'] as const) {
        if (a[k] !== undefined && setup.kind !== 'listen') {
          problem([...ap, k], `${k} is a listener's queue, but this case has setup: ${setup.kind} — use setup: { listen: … }`, 'key');
        }
      }
      const step: AssertStep = { kind: 'assert', index: i, pos: posOf(ap, true), states: [], counters: [] };
      if (a.acceptq !== undefined) step.acceptq = a.acceptq;
      if (a.synq !== undefined) step.synq = a.synq;
      if (a.state !== undefined) {
        const list = Array.isArray(a.state) ? a.state : [a.state];
        list.forEach((st, k) => {
          const p = Array.isArray(a.state) ? [...ap, 'state', k] : [...ap, 'state'];
          step.states.push({ flow: flowRef(st.flow, [...p, 'flow']), is: st.is });
        });
      }
      for (const [name, cmp] of Object.entries(a.counters ?? {})) {
        if (!COUNTER_RE.test(name)) {
          problem(
            [...ap, 'counters', name],
            `'${name}' is not an nstat counter name — write it as nstat prints it, e.g. TcpExtListenDrops, TcpInCsumErrors`,
            'key',
          );
        } else if (!KNOWN_COUNTERS.has(name)) {
          const g = closest(name, [...KNOWN_COUNTERS]);
          if (g) problem([...ap, 'counters', name], `unknown counter '${name}' — did you mean '${g}'? (names as nstat prints them)`, 'key');
        }
        step.counters.push({ name, expect: cmp });
      }
      if (a.tcp_info !== undefined) {
        const tp = [...ap, 'tcp_info'];
        const list = Array.isArray(a.tcp_info.check) ? a.tcp_info.check : [a.tcp_info.check];
        const checks: TcpInfoCheck[] = [];
        list.forEach((text, k) => {
          const cp = Array.isArray(a.tcp_info!.check) ? [...tp, 'check', k] : [...tp, 'check'];
          try {
            checks.push({ text, expr: parseInfoExpr(text), pos: posOf(cp, false) });
          } catch (e) {
            if (!(e instanceof InfoExprError)) throw e;
            problem(cp, `${e.message} at character ${e.offset + 1} of ${JSON.stringify(text)}`);
          }
        });
        step.tcpInfo = { on: a.tcp_info.on ?? 'conn', checks };
      }
      steps.push({ ...step, ...note });
      stepKind.push('assert');
    } else if (s.sysctl !== undefined) {
      const yp = [...sp, 'sysctl'];
      const list: Array<{ name: string; value: number | string }> = [];
      for (const [name, value] of Object.entries(s.sysctl)) {
        const bad = sysctlProblem(name, value);
        if (!SYSCTL_RE.test(name))
          problem(
            [...yp, name],
            `'${name}' is not a per-namespace sysctl name — only net.* sysctls belong to the DUT network namespace, e.g. net.ipv4.tcp_ecn`,
            'key',
          );
        else if (bad) problem([...yp, name], bad.message, bad.at);
        else list.push({ name, value: Array.isArray(value) ? value.join(' ') : value });
      }
      if (!Object.keys(s.sysctl).length) problem(yp, 'sysctl sets nothing — write e.g. sysctl: { net.ipv4.tcp_ecn: 2 }', 'key');
      steps.push({ kind: 'sysctl', index: i, pos: posOf(yp, true), sysctls: list, ...note });
      stepKind.push('sysctl');
    }
  });

  if (issues.length) return { issues };
  return {
    issues,
    value: {
      file,
      name,
      description: raw.description,
      spec,
      kernel,
      families,
      sysctls,
      setup,
      flows,
      steps,
    },
  };
}
