/**
 * A thread of the DUT agent that makes one blocking socket call at a time (blocking-calls.ts): the
 * agent's own loop never blocks, so a script's blocking sendto()/write() runs here, in the kernel's
 * blocking path (sk_write_pending while the connect completes, the rest of the data after it), while
 * the agent serves the steps that make it return. Messages: {id, fd, hex, flags, addr?} in;
 * {id, started} just before the syscall, then {id, ret, errno} when it returns.
 */
import { parentPort } from 'worker_threads';
import * as libc from '../sys/libc';

export interface CallRequest {
  id: number;
  fd: number;
  hex: string;
  flags: number;
  /** a sockaddr (sendto), base64; absent: send() */
  addr?: string;
}
export type CallMessage = { ready: true } | { id: number; started: number } | { id: number; ret: number; errno: number; ended: number };

const nowMs = (): number => Number(process.hrtime.bigint() / 1000n) / 1000;

/** Test-only (harness/runner/test-knobs.ts): how long the thread sits on a call's result before reporting it. */
const reportDelayMs = Number(process.env.SYNH_TEST_CALL_REPORT_DELAY ?? 0);
const sleeper = new Int32Array(new SharedArrayBuffer(4));

parentPort?.postMessage({ ready: true } satisfies CallMessage);
parentPort?.on('message', (m: CallRequest) => {
  const data = Buffer.from(m.hex, 'hex');
  const to = m.addr !== undefined ? Buffer.from(m.addr, 'base64') : null;
  parentPort!.postMessage({ id: m.id, started: nowMs() } satisfies CallMessage);
  const r = to ? libc.sendto(m.fd, data, m.flags, to) : libc.send(m.fd, data, m.flags);
  const ended = nowMs();
  if (reportDelayMs > 0) Atomics.wait(sleeper, 0, 0, reportDelayMs);
  parentPort!.postMessage({ id: m.id, ret: r.ret, errno: r.ret < 0 ? r.errno : 0, ended } satisfies CallMessage);
});
