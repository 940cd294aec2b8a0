// Time in a case's verdict: how long the runner waits for "nothing more", and the model's slack for
// the kernel's timer granularity.

/**
 * How long after a stimulus its immediate answers are surely in (veth round trip ~10 µs; this covers a
 * loaded machine). Used where the case asks for "nothing more" without giving a span: an `expect: model`
 * predicting silence, and the end of the ladder.
 */
export const SETTLE_MS = 25;

/**
 * The model's clock is advanced this far past an observed packet before its prediction is claimed:
 * kernel timers are armed in jiffies (4 ms at HZ=250), so a retransmission may leave a few ms before
 * the model's exact due time.
 */
export const MODEL_SLACK_MS = 20;
