// What a case's socket calls and socket options mean to the model: the events a call step applies to
// the model running alongside the case (accept, close, setsockopt on the listener, listen again,
// shutdown), and the model's view of a list of socket options.
import type { CallStep, Flow, SockOpt } from '../case';
import type { SockOpts } from '../model';
import { parseFastopenKey, SOCKOPT_NAMES } from '../model/core/sockopts';
import type { CallReply } from './call-check';
import type { ModelTrack } from './model-track';

/** The options the model knows, from a case's socket options (TCP_MD5SIG keys the peer's address). */
export function modelSockopts(list: readonly SockOpt[], peerAddr: string): SockOpts {
  const out: SockOpts = {};
  for (const { name, value } of list) {
    if (name === 'TCP_MD5SIG') {
      out.md5Peers = [peerAddr];
      continue;
    }
    const key = SOCKOPT_NAMES[name];
    if (key === 'reuseport') out.reuseport = !!value;
    // a key of another length is refused by the kernel (EINVAL): nothing for the model
    else if (key === 'fastopenKey' && typeof value === 'string') {
      if (/^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})$/.test(value.trim())) out.fastopenKey = parseFastopenKey(value);
    } else if (key && key !== 'md5Peers' && typeof value === 'number') (out as Record<string, number>)[key] = value;
  }
  return out;
}

export interface CallScene {
  /** When the call took effect in the kernel (the agent's syscall time), model ms. */
  atMs: number;
  /** The listener's port (a listen set-up), else undefined. */
  listenPort: number | undefined;
  /** The DUT socket's own port. */
  dutPort: number;
  /** The flow of the DUT's connection socket (after this call, for accept), if any. */
  conn: Flow | undefined;
  /** accept: a connection socket came back. */
  accepted?: boolean;
  peerAddr: string;
}

/** Applies what one call step did on the DUT to the model. */
export function modelCall(model: ModelTrack, s: CallStep, r: CallReply, c: CallScene): void {
  switch (s.op) {
    case 'accept':
      if (c.accepted) model.event({ type: 'accept', port: c.listenPort! }, c.atMs);
      return;
    case 'close':
      if (s.on === 'listener') model.event({ type: 'close', port: c.listenPort! }, c.atMs);
      else if (c.conn) model.event({ type: 'close', port: c.dutPort, peerPort: c.conn.sport }, c.atMs, c.conn.name);
      return;
    case 'shutdown':
      // shutdown(SHUT_WR) sends the FIN a close() would; the model knows close().
      if (r.ok && s.on === 'conn' && c.conn && s.how !== 'rd') model.event({ type: 'close', port: c.dutPort, peerPort: c.conn.sport }, c.atMs, c.conn.name);
      return;
    case 'send':
      // a send() that failed (EPIPE on a closed socket) put nothing on the wire
      if (r.ok && s.on === 'conn' && c.conn) model.detach(c.conn.name, `step ${s.index + 1} sends data (the model has no data path)`);
      return;
    case 'setsockopt': {
      const opts = modelSockopts([{ name: s.name, value: s.value }], c.peerAddr);
      if (r.ok && s.on === 'listener' && Object.keys(opts).length) model.event({ type: 'setsockopt', port: c.listenPort!, opts }, c.atMs);
      return;
    }
    case 'listen':
      if (r.ok) model.relisten(c.listenPort!, s.backlog);
      return;
    case 'open-connection':
      // told by the runner as the socket connects (case-setup.ts openConnection), as at set-up
      return;
    case 'open-listener':
      // told by the runner as the socket starts listening (case-setup.ts openListener), as at set-up
      return;
    case 'open-socket':
      // nothing leaves before its connect (open-connection tells the model)
      return;
    case 'complete':
      // the blocking call's start told the model (a send: the data path; a deferred or Fast Open connect: the SYN)
      return;
    case 'connect':
    case 'recv':
    case 'getsockopt':
    case 'poll':
      return;
  }
}
