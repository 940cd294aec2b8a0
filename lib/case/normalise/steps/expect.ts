// expect steps: `expect: model`, or packet patterns — their flows, matchers (values bound by earlier
// packets, same: references), IP-version fields, timing, and what each pattern may bind for later
// steps. Pure.
import { SYN } from '../../../wire/types';
import type { FlagsMatcherRaw, NumMatcherRaw } from '../../schema';
import type { ExpectStep, FlagsMatcher, NumMatcher, OptionPattern, OptionsMatcher, PacketPattern } from '../../types';
import { ECN_CODEPOINTS } from '../../vocab';
import { useValue } from '../bindings';
import type { CaseContext, Path, RawStep } from '../context';
import { DEFAULT_MODEL_AGREEMENT, DEFAULT_WITHIN_MS } from '../defaults';
import { flowRef } from '../flows';
import { defineLabel, resolveRef } from '../references';

type RawExpect = NonNullable<RawStep['expect']>;
type RawPattern = Exclude<RawExpect, 'model' | unknown[]>;

export function normaliseExpect(ctx: CaseContext, ex: RawExpect, path: Path, i: number): ExpectStep {
  const { setup, walk } = ctx;
  if (!walk.hasCause) {
    ctx.problem(
      path,
      setup.kind === 'closed'
        ? 'nothing before this expect makes the DUT send anything (a closed port only answers) — add the send it answers before it'
        : 'nothing before this expect makes the DUT send anything (a listener only answers) — add the send or call that triggers it before it',
      'key',
    );
  }
  if (ex === 'model') {
    if (setup.kind !== 'closed') for (const st of walk.bindings.values()) st.dutIsn = true;
    for (const st of walk.bindings.values()) st.dutTs = true;
    return { kind: 'expect', index: i, pos: ctx.posOf(path, true), byModel: true, packets: [] };
  }
  const list = Array.isArray(ex) ? ex : [ex];
  const packets = list.map((p, k) => pattern(ctx, p, Array.isArray(ex) ? [...path, k] : path, i, k));
  return { kind: 'expect', index: i, pos: ctx.posOf(path, true), byModel: false, packets };
}

function pattern(ctx: CaseContext, p: RawPattern, path: Path, stepIndex: number, packet: number): PacketPattern {
  const { setup, ip, ipName, problem } = ctx;
  const flow = flowRef(ctx, p.flow, [...path, 'flow']);
  const st = ctx.walk.bindings.get(flow)!;
  const flags = flagsMatcher(ctx, p.flags, [...path, 'flags'], stepIndex);
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
  const out: PacketPattern = { pos: ctx.posOf(path), flow, model: p.model ?? DEFAULT_MODEL_AGREEMENT };
  if (p.label !== undefined) out.label = p.label;
  if (flags) out.flags = flags;
  const num = (key: keyof RawPattern, m: NumMatcherRaw | undefined) => numMatcher(ctx, m, flow, [...path, key], stepIndex, bindsIsn);
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
        ? { kind: 'exact', items: optionPatterns(ctx, o.items, flow, [...path, 'options']) }
        : {
            kind: 'some',
            contains: optionPatterns(ctx, o.contains, flow, [...path, 'options', 'contains']),
            lacks: optionPatterns(ctx, o.lacks, flow, [...path, 'options', 'lacks']),
          };
    out.options = om;
  }
  set('tsval', num('tsval', p.tsval));
  set('tsecr', num('tsecr', p.tsecr));
  if (p.ttl && p.hlim) problem([...path, 'hlim'], 'ttl and hlim are the same field — keep one of them', 'key');
  set('ttl', num(p.ttl ? 'ttl' : 'hlim', p.ttl ?? p.hlim));
  if (p.tos && p.tclass) problem([...path, 'tclass'], 'tos and tclass are the same field — keep one of them', 'key');
  set('tos', num(p.tos ? 'tos' : 'tclass', p.tos ?? p.tclass));
  if (p.ecn !== undefined) out.ecn = ECN_CODEPOINTS[p.ecn];
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
  defineLabel(ctx, p.label, [...path, 'label'], { step: stepIndex, packet, kind: 'expect' });
  return out;
}

const hasTs = (items: OptionPattern[]) => items.some((o) => o.kind === 'ts');

function numMatcher(
  ctx: CaseContext,
  m: NumMatcherRaw | undefined,
  flow: string,
  path: Path,
  stepIndex: number,
  selfBindsIsn: boolean,
): NumMatcher | undefined {
  if (m === undefined) return undefined;
  switch (m.kind) {
    case 'any':
      return m;
    case 'value':
      return { kind: 'value', value: useValue(ctx, m.value, flow, path, selfBindsIsn), text: m.text };
    case 'range':
      return { kind: 'range', lo: useValue(ctx, m.lo, flow, path, selfBindsIsn), hi: useValue(ctx, m.hi, flow, path, selfBindsIsn), text: m.text };
    case 'same': {
      const ref = resolveRef(ctx, m.ref, [...path, 'same'], stepIndex, 'same:');
      return ref ? { kind: 'same', ref, field: m.field, text: m.text } : undefined;
    }
  }
}

function flagsMatcher(ctx: CaseContext, m: FlagsMatcherRaw | undefined, path: Path, stepIndex: number): FlagsMatcher | undefined {
  if (m === undefined) return undefined;
  if (m.kind === 'same') {
    const ref = resolveRef(ctx, m.ref, [...path, 'same'], stepIndex, 'same:');
    if (m.field !== 'flags') ctx.problem([...path, 'same'], `flags can only be the same as another packet's flags — write same: ${m.ref}.flags`);
    return ref ? { kind: 'same', ref, text: m.text } : undefined;
  }
  return m;
}

function optionPatterns(ctx: CaseContext, items: OptionPattern[], flow: string, path: Path): OptionPattern[] {
  return items.map((o, k) => {
    const p = [...path, k];
    const fix = (n: NumMatcher): NumMatcher => (n.kind === 'value' ? { ...n, value: useValue(ctx, n.value, flow, p, false) } : n);
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
