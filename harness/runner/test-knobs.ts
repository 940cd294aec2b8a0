// Test-only knobs of the runner, read from the environment by the worker. They exist so that an
// integration test can make the harness late on purpose (the real kernel and the real packets are
// untouched: only the harness waits); nothing else sets them.
//
//   SYNH_TEST_DELAY_STEP=<case name>:<step>:<ms>[,<case name>:<step>:<ms>…]
//       hold the harness back <ms> before step <step> (1-based) of the case named <case name> (both
//       families), in its first attempt only — the re-runs (rerun.ts) run on time.
//
//   SYNH_TEST_LATE_WAKE=<case name>:<step>:<ms>[,…]
//       a `wait` step of that case wakes <ms> after its end instead of at it (first attempt only), as
//       a harness on a loaded machine or in a slow guest does: a kernel timer may fire meanwhile.
//
//   SYNH_TEST_CALL_REPORT_DELAY=<ms>
//       the DUT agent's call threads (harness/agent/call-worker.ts) report a blocking call's return
//       <ms> after it returned, as a thread the loaded machine did not run at once: the call's own
//       return time must still be what its window judges.
//
//   SYNH_TEST_CAPTURE_BUFFER=<bytes>
//       open every lab's capture with a libpcap buffer of <bytes> (below the 4 MiB minimum: a few
//       frames), so that a burst overflows it and the kernel drops frames — the case must then be an
//       error, never a pass.

/** How long to hold back before each step of `caseName`'s attempt `attempt` (undefined: not at all). */
export function stepDelayKnob(caseName: string, attempt: number, env: NodeJS.ProcessEnv = process.env): ((step: number) => number) | undefined {
  return perStepKnob('SYNH_TEST_DELAY_STEP', caseName, attempt, env);
}

/** How late each `wait` step of `caseName`'s attempt `attempt` wakes (undefined: on time). */
export function lateWakeKnob(caseName: string, attempt: number, env: NodeJS.ProcessEnv = process.env): ((step: number) => number) | undefined {
  return perStepKnob('SYNH_TEST_LATE_WAKE', caseName, attempt, env);
}

function perStepKnob(name: string, caseName: string, attempt: number, env: NodeJS.ProcessEnv): ((step: number) => number) | undefined {
  const v = env[name];
  if (!v || attempt > 0) return undefined;
  const delays = new Map<number, number>();
  for (const item of v.split(',')) {
    const m = /^(.*):(\d+):(\d+)$/.exec(item);
    if (!m) throw new Error(`${name} takes <case name>:<step>:<ms>[,…], got '${item}'`);
    if (m[1] === caseName) delays.set(Number(m[2]), Number(m[3]));
  }
  return delays.size ? (s) => delays.get(s) ?? 0 : undefined;
}

/** The capture buffer a test asks for (undefined: the normal one). */
export function captureBufferKnob(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.SYNH_TEST_CAPTURE_BUFFER;
  if (!v) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`SYNH_TEST_CAPTURE_BUFFER takes a size in bytes, got '${v}'`);
  return Number(v);
}
