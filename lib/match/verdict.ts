// The shapes of a case step's verdict, shared by the judging here and by the report writers.
import type { FieldDiff } from '../model';

export type { FieldDiff };

export interface StepOutcome {
  /** 0-based position of the step in the case. */
  index: number;
  /** Step kind as written in the case file ('send', 'expect', 'sysctl', …). */
  kind: string;
  ok: boolean;
  message?: string;
  diffs?: FieldDiff[];
  /** The reference model's reasons for what it expected. */
  reasons?: string[];
  /**
   * `expect: model` steps: the packets the step stood for, as the model predicted them
   * ("SA seq=… ack=1001 win=65160 [mss 1460] … on flow a"); empty: it predicted nothing.
   */
  expected?: string[];
  /** Imported packetdrill scripts: `script.pkt:LINE: expected: … actual: …` in the script's notation. */
  script?: string;
  /**
   * When an on-time harness would have run the step (the previous step's end as the kernel saw it),
   * CLOCK_MONOTONIC ns; see lateness.ts.
   */
  dueNs?: bigint;
  /** When the step took effect (a send's packet, a call's syscall, the start of a wait), CLOCK_MONOTONIC ns. */
  startNs?: bigint;
  /**
   * The step was provably late: a kernel timer the model tracks fell due this many ms after dueNs,
   * before the step started — or was running then, and a later `at` window counts from this step.
   */
  timerAfterMs?: number;
  /**
   * A send whose packet the capture did not show leaving within its wait: its time (and the model's,
   * and the `at` reference) is the stamp taken before the send, which a stalled harness may have taken
   * long before the packet left. The case's timeline is not trustworthy from here: a failure re-runs.
   */
  unseenSend?: boolean;
  /**
   * The packet this expect waited for is sent by a blocked call's thread (the DUT agent's thread in a
   * blocking sendto()/write(): the data a writer sends once the handshake completes), whose scheduling
   * is the loaded machine's as much as the kernel's: a failure on time alone here is re-run.
   */
  blockedThread?: boolean;
  /** With timerAfterMs: how late the harness was against that timer (the drift since it was armed), ms. */
  driftMs?: number;
}
