// Time in a case's verdict: how long the runner waits for "nothing more", and the model's slack for
// the kernel's timer granularity.

/**
 * How long after a stimulus its immediate answers are surely in (veth round trip ~10 µs; this covers a
 * loaded machine). Used where the case asks for "nothing more" without giving a span: an `expect: model`
 * predicting silence, and the end of the ladder.
 */
export const SETTLE_MS = 25;

// MODEL_SLACK_MS: how far past an observed packet the model's clock is advanced before its prediction
// is claimed (defined with the model's timers, which account for it).
export { MODEL_SLACK_MS } from '../model/core/timer-wheel';
