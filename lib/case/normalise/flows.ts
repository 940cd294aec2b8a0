// The peer's flows: names, source ports (one each; an active-open case's first flow is the port the
// DUT connects to), ISNs, and the flow a step names. Pure.
import { closest } from '../../yaml-kit/suggest';
import type { CaseRaw } from '../schema';
import type { Flow, Setup } from '../types';
import { IDENT_RE } from '../vocab';
import type { CaseContext, FlowNames, Path, Problem } from './context';
import { DEFAULT_FLOW, DEFAULT_ISN, DEFAULT_SPORT } from './defaults';

export function normaliseFlows(raw: CaseRaw, setup: Setup, problem: Problem): { flows: Flow[]; names: FlowNames } {
  const flows: Flow[] = [];
  const openConnections = (raw.steps ?? []).some((x) => (x as { call?: { op?: unknown } }).call?.op === 'open-connection');
  const rawFlows: Array<[string, { sport?: number; isn?: number }]> = raw.flows ? Object.entries(raw.flows) : [[DEFAULT_FLOW, {}]];
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
  const names = flows.map((f) => f.name);
  return { flows, names: { names, first: names[0], declared: raw.flows !== undefined } };
}

/** The flow a step names (the first flow when it names none); an unknown name is reported. */
export function flowRef(ctx: CaseContext, name: string | undefined, path: Path): string {
  const { names, first, declared } = ctx.flows;
  if (name === undefined) return first;
  if (!names.includes(name)) {
    const g = closest(name, names);
    const where = declared ? `flows: ${names.join(', ')}` : `the only flow is '${DEFAULT_FLOW}' (define more under flows:)`;
    ctx.problem(path, `unknown flow '${name}' — ${g ? `did you mean '${g}'? ` : ''}${where}`);
    return first;
  }
  return name;
}
