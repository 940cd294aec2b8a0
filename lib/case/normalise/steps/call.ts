// call steps: socket calls by the DUT agent — the socket each one acts on (and whether it exists at
// that point: accepted, not closed), defaults, expected outcome, and the socket state it leaves. Pure.
import type { CallExpect, CallStep } from '../../types';
import { POLL_EVENTS } from '../../vocab';
import type { CaseContext, Path, RawStep } from '../context';
import { DEFAULT_BACKLOG, DEFAULT_CALL_TIMEOUT, DEFAULT_RECV_LEN } from '../defaults';
import { sockopts, sockoptValue } from '../setup';

type RawCall = NonNullable<RawStep['call']>;
type Sock = 'listener' | 'conn';

export function normaliseCall(ctx: CaseContext, c: RawCall, path: Path, i: number): CallStep {
  const { setup, problem, walk } = ctx;
  const { closedAt } = walk;
  const opPath = [...path, 'op'];
  const base = { kind: 'call' as const, index: i, pos: ctx.posOf(path, true) };
  const expect = callExpect(ctx, c, path);

  if (setup.kind === 'closed') {
    problem(opPath, `${c.op}: a closed: case has no socket to call — use setup: { listen: … } or { connect: … }`);
  }
  const sockOf = (on: Sock | undefined, dflt: Sock): Sock => {
    const s = on ?? (setup.kind === 'connect' ? 'conn' : dflt);
    const onPath = on ? [...path, 'on'] : opPath;
    if (setup.kind === 'connect' && s === 'listener') {
      problem(onPath, `${c.op} on the listener, but this case has setup: connect (no listener) — use on: conn`);
    } else if (setup.kind === 'listen' && s === 'conn' && !walk.accepted) {
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
  const sockoptsAt = (o: Record<string, unknown> | undefined) => sockopts(o, [...path, 'sockopts'], problem);
  const succeeds = expect.ok !== false && expect.err === undefined;
  switch (c.op) {
    case 'accept':
      if (setup.kind === 'connect') problem(opPath, `accept needs a listener, but this case has setup: connect — accept belongs with setup: { listen: … }`);
      if (setup.kind === 'listen') {
        if (closedAt.listener !== undefined)
          problem(opPath, `accept on the listener, which step ${closedAt.listener + 1} closed — remove the close or move it after this step`);
        if (succeeds) {
          walk.accepted = true;
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
      return { ...base, expect, op: 'open-listener', on: 'listener', backlog: c.backlog ?? DEFAULT_BACKLOG, sockopts: sockoptsAt(c.sockopts) };
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
      const { names, first } = ctx.flows;
      if (setup.kind !== 'connect') problem(opPath, `open-connection needs setup: connect — this case has setup: ${setup.kind}`);
      const flow = c.flow ?? first;
      if (!names.includes(flow)) problem([...path, 'flow'], `no flow '${flow}' — flows: ${names.join(', ')}`);
      delete closedAt.conn;
      return {
        ...base,
        expect,
        op: 'open-connection',
        on: 'conn',
        flow,
        sockopts: sockoptsAt(c.sockopts),
        ...(c.fastopen !== undefined ? { fastopen: c.fastopen } : {}),
      };
    }
    case 'recv':
      return { ...base, expect, op: 'recv', on: sockOf(c.on, 'conn'), len: c.len ?? DEFAULT_RECV_LEN, timeout: c.timeout ?? DEFAULT_CALL_TIMEOUT };
    case 'setsockopt': {
      const on = sockOf(c.on, 'listener');
      const value = sockoptValue(c.name, c.value, [...path, 'value'], 'set', false, problem);
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
      sockoptValue(c.name, undefined, [...path, 'name'], 'get', false, problem);
      return { ...base, expect, op: 'getsockopt', on, name: c.name };
    }
  }
}

/** The call's expected outcome (default: it succeeds); fields that do not fit its op are reported. */
function callExpect(ctx: CaseContext, c: RawCall, path: Path): CallExpect {
  const ex = c.expect ?? { ok: true };
  const expect: CallExpect = {};
  if (ex.ok !== undefined) expect.ok = ex.ok;
  if (ex.ret !== undefined) expect.ret = ex.ret;
  if (ex.err !== undefined) expect.err = ex.err;
  if (ex.value !== undefined) expect.value = ex.value;
  if (ex.data !== undefined) expect.data = ex.data;
  if (ex.ok === true && ex.err !== undefined) {
    ctx.problem([...path, 'expect', 'err'], `expect has ok: true and err: ${ex.err} — a call that fails is ok: false; drop one of them`, 'key');
  }
  if (ex.value !== undefined && c.op !== 'getsockopt' && c.op !== 'poll')
    ctx.problem([...path, 'expect', 'value'], `value: is what getsockopt reads (or poll's revents) — ${c.op} has none`, 'key');
  if (ex.data !== undefined && c.op !== 'recv') ctx.problem([...path, 'expect', 'data'], `data: is what recv reads — ${c.op} has none`, 'key');
  return expect;
}
