// The DUT socket before the first step (listen, connect or closed) and socket options — the setup's,
// and those of the calls that open or set them. Pure.
import { show } from '../../yaml-kit/show';
import { closest } from '../../yaml-kit/suggest';
import type { CaseRaw } from '../schema';
import type { CaseSockoptValue, Setup, SockOpt } from '../types';
import { SOCKOPT_NAMES, SOCKOPTS } from '../vocab';
import type { Path, Problem } from './context';
import { DEFAULT_BACKLOG } from './defaults';

export function normaliseSetup(rs: CaseRaw['setup'], problem: Problem): Setup {
  if (rs.listen) {
    return {
      kind: 'listen',
      port: rs.listen.port,
      backlog: rs.listen.backlog ?? DEFAULT_BACKLOG,
      sockopts: sockopts(rs.listen.sockopts, ['setup', 'listen', 'sockopts'], problem),
      ...(rs.listen.any ? { any: true as const } : {}),
    };
  }
  if (rs.connect) {
    const setup: Setup = { kind: 'connect', port: rs.connect.port, sockopts: sockopts(rs.connect.sockopts, ['setup', 'connect', 'sockopts'], problem) };
    if (rs.connect.bind !== undefined) setup.bind = rs.connect.bind;
    if (rs.connect.open) setup.open = rs.connect.open;
    return setup;
  }
  return { kind: 'closed', port: rs.closed!.port };
}

/** A map of socket options to set, in file order; the wrong ones reported and left out. */
export function sockopts(o: Record<string, unknown> | undefined, path: Path, problem: Problem): SockOpt[] {
  const out: SockOpt[] = [];
  for (const [name, value] of Object.entries(o ?? {})) {
    const v = sockoptValue(name, value, [...path, name], 'set', true, problem);
    if (v !== undefined) out.push({ name, value: v });
  }
  return out;
}

/**
 * Checks a socket option name (and its value when setting); undefined when wrong. `nameIsKey`: the
 * name is a map key at `path` (sockopts:), else `path` is a call's value: with name: beside it.
 */
export function sockoptValue(name: string, value: unknown, path: Path, use: 'set' | 'get', nameIsKey: boolean, problem: Problem): CaseSockoptValue | undefined {
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
