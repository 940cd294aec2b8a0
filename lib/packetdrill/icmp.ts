// `< icmp TYPE [CODE] [[start:end(len)]] [mtu N]` → an icmp step (lib/case IcmpStep). The quoted
// segment is in the DUT's sequence space, relative to its ISN (packetdrill adds the live local ISN);
// none given: seq 0, i.e. the ISN. A type or code name only one family has (frag_needed: IPv4,
// packet_too_big: IPv6) limits the script to that family, as packetdrill refuses it in the other.
// `nstat | grep NAME` after an `nstat` reset: that counter moved. Pure.
import { resolveIcmpKind } from '../case/icmp-step';
import type { AssertStep, IcmpStep, SourcePos } from '../case/types';
import { SYN } from '../wire/types';
import type { IcmpEvent } from './ast';
import { unsupported } from './errors';
import type { FlowSpace } from './packets';

export interface IcmpCompileCtx {
  file: string;
  defines: Record<string, string>;
  notes: Set<string>;
  families: Array<4 | 6>;
}

/** The step's fields, and the families the message exists in (a subset of ctx.families). */
export function icmpStep(
  ev: IcmpEvent,
  f: FlowSpace,
  ctx: IcmpCompileCtx,
): { step: Omit<IcmpStep, 'index' | 'pos' | 'note' | 'kind'>; families: Array<4 | 6> } {
  const type = ctx.defines[ev.type] ?? ev.type;
  const code = ev.code !== undefined ? (ctx.defines[ev.code] ?? ev.code) : undefined;
  const icmp: IcmpStep['icmp'] = {};
  const problems: string[] = [];
  for (const v of ctx.families) {
    const k = resolveIcmpKind(v, type, code);
    if ('problem' in k) problems.push(k.problem);
    else icmp[v] = k;
  }
  const families = ctx.families.filter((v) => icmp[v]);
  if (!families.length) {
    const pos = code !== undefined && problems[0]?.includes(' code ') ? ev.codePos! : ev.typePos;
    const word = pos === ev.typePos ? type : code!;
    // a word like CODE the script expects from -D (packetdrill substitutes defines as it reads)
    if (/^[A-Z][A-Z0-9_]*$/.test(word))
      unsupported(ctx.file, pos, `the ICMP ${pos === ev.typePos ? 'type' : 'code'} ${word}, a define not given (-D ${word}=<name>)`);
    unsupported(ctx.file, pos, `the ICMP message '${type}${code ? ` ${code}` : ''}': ${problems[0]}`);
  }
  if (families.length < ctx.families.length)
    ctx.notes.add(
      `ICMP '${type}${code ? ` ${code}` : ''}' exists only in IPv${families[0]}: the script runs for IPv${families[0]} only (packetdrill refuses it in the other family)`,
    );
  const seq = ev.quote?.seq ?? 0;
  const step: Omit<IcmpStep, 'index' | 'pos' | 'note' | 'kind'> = {
    flow: f.name,
    icmp,
    written: code !== undefined ? { type, code } : { type },
    ...(ev.mtu !== undefined ? { mtu: ev.mtu } : {}),
    quote: { seq: { base: 'dut.isn', offset: seq | 0, flow: f.name, text: seq ? `dut.isn+${seq}` : 'dut.isn' }, len: ev.quote?.len ?? 0, flags: SYN },
    mistakes: {},
  };
  return { step, families };
}

/**
 * `nstat` (a reset: prints and forgets) and `nstat | grep NAME` (NAME moved since) as an assert on the
 * counter; undefined when the command is something else.
 */
export function nstatAssert(text: string, pos: SourcePos, file: string): Omit<AssertStep, 'index'> | 'reset' | undefined {
  const cmd = text.trim().replace(/\s*>\s*\/dev\/null(\s+2>&1)?\s*$/, '');
  if (/^nstat(\s+-n)?$/.test(cmd)) return 'reset';
  const m = /^nstat\s*\|\s*grep\s+(\w+)$/.exec(cmd);
  if (!m) return undefined;
  if (!/^(TcpExt|Tcp|Ip|Icmp)/.test(m[1])) unsupported(file, pos, `nstat | grep ${m[1]} (not a counter name)`);
  return { kind: 'assert', pos, states: [], counters: [{ name: m[1], expect: { op: '>=', value: 1, text: '>=1' } }] };
}
