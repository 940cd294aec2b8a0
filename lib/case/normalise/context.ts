// The state normalising one case carries, explicit: where problems go, what the header, setup and
// flows settled, and what the walk over the steps has seen so far (bindings, labels, sockets). Each
// concern's file reads and updates this object; nothing is shared through closures. Pure.
import type { CaseRaw } from '../schema';
import type { Setup, SourcePos, Step } from '../types';
import type { Path } from '../../yaml-kit/yaml-source';

export type { Path } from '../../yaml-kit/yaml-source';
/** A problem at a path of the YAML document (the schema's and normalisation's alike). */
export type { PathIssue } from '../../yaml-kit/zod-issues';

/** One step as the schema gives it. */
export type RawStep = CaseRaw['steps'][number];

/** Records a problem (every concern reports through one, in the order it finds them). */
export type Problem = (path: Path, message: string, at?: 'key') => void;

/** The position of a YAML node (the `pos` of steps and patterns). */
export type PosOf = (path: Path, atKey?: boolean) => SourcePos;

/** The case's flows by name: `first` is every step's default flow; `declared` when the file has flows:. */
export interface FlowNames {
  names: string[];
  first: string;
  declared: boolean;
}

/** What an earlier packet of a flow could have bound, for the expressions of later steps. */
export interface FlowBindings {
  /** an earlier packet could have bound dut.isn */
  dutIsn: boolean;
  dutTs: boolean;
  peerTs: boolean;
}

/** Where a label was defined. */
export interface LabelInfo {
  step: number;
  packet: number;
  kind: 'send' | 'expect';
}

/** What the walk over the steps has seen before the current step (updated as it goes). */
export interface StepWalk {
  /** per flow */
  readonly bindings: Map<string, FlowBindings>;
  /** labels defined so far */
  readonly labels: Map<string, LabelInfo>;
  /** every label of the case and the first step defining it: tells "later" from "unknown" */
  readonly allLabels: ReadonlyMap<string, number>;
  /** the kind of each step walked ('model': expect: model) */
  readonly kinds: Array<Step['kind'] | 'model'>;
  /** an earlier step can make the DUT send something */
  hasCause: boolean;
  /** an earlier accept succeeds: there is a conn socket */
  accepted: boolean;
  /** the step that closed each socket, while it stays closed */
  readonly closedAt: { listener?: number; conn?: number };
}

export interface CaseContext {
  readonly problem: Problem;
  readonly posOf: PosOf;
  readonly ip: 4 | 6 | 'both';
  /** 'ip: 4', 'ip: both' — as messages say it */
  readonly ipName: string;
  readonly setup: Setup;
  readonly flows: FlowNames;
  readonly walk: StepWalk;
}
