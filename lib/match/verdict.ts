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
  /** Imported packetdrill scripts: `script.pkt:LINE: expected: … actual: …` in the script's notation. */
  script?: string;
}
