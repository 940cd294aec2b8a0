// The main thread's handle on a pipeline worker.
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { Campaign } from '../../lib/fuzz/campaign';
import { compiledMirror, REPO_ROOT } from '../compiled-mirror';
import type { EnvParams, GenReply, JudgeReply, JudgeSeqReply, Link, Packed, Reply, Request } from './pipeline-protocol';
import { packedFlowBuffers, packFlows, unpackOutcomes } from '../../lib/fuzz/played-pack';
import type { FlowOutcome, PlayedFlow } from '../../lib/fuzz/sequence-judge';

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;

/** The worker's code: the mirror's JavaScript when there is one, else the TypeScript sources. */
function workerEntry(): { entry: string; fromSource: boolean } {
  try {
    return { entry: path.join(compiledMirror(), 'harness', 'fuzz', 'pipeline-worker.js'), fromSource: false };
  } catch {
    return { entry: path.join(REPO_ROOT, 'harness', 'fuzz', 'pipeline-worker.ts'), fromSource: true };
  }
}

export class PipelineWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;
  /** The worker has loaded its code (until then, work sent to it waits). */
  ready = false;

  constructor(campaign: Campaign, modelModule?: string) {
    const { entry, fromSource } = workerEntry();
    const tsNode = fromSource || (!!modelModule && /\.[cm]?tsx?$/.test(modelModule));
    this.worker = new Worker(path.join(__dirname, 'pipeline-worker-boot.js'), {
      workerData: { entry, tsNode, tsconfig: path.join(REPO_ROOT, 'tsconfig.json'), campaign, modelModule },
    });
    this.worker.on('message', (r: Reply) => {
      if (r.type === 'ready') {
        this.ready = true;
        return;
      }
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.type === 'error') p.reject(new Error(`pipeline worker: ${r.message}`));
      else p.resolve(r);
    });
    const fail = (e: Error): void => {
      this.failed = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`pipeline worker exited (${code})`)));
  }

  private call<R extends Reply>(m: DistributiveOmit<Request, 'id'>, transfer: ArrayBuffer[] = []): Promise<R> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: Reply) => void, reject });
      this.worker.postMessage({ ...m, id }, transfer);
    });
  }

  /** Probes [a, b) as Ethernet frames. */
  gen(a: number, b: number, link: Link): Promise<GenReply> {
    return this.call<GenReply>({ type: 'gen', a, b, link });
  }

  /**
   * Judge a chunk. Its buffers are transferred (they belong to the worker afterwards): the probe
   * frames `gen` made, and the replies as the engine captured them.
   */
  judge(
    a: number,
    env: Record<4 | 6, EnvParams>,
    listen: { port: number; backlog: number },
    probes: Packed,
    sentMs: Float64Array,
    replies: Packed,
    replyProbe: Int32Array,
    perProbe = false,
  ): Promise<JudgeReply> {
    const bufs = new Set<ArrayBuffer>([
      probes.buf,
      probes.offs.buffer as ArrayBuffer,
      sentMs.buffer as ArrayBuffer,
      replies.buf,
      replies.offs.buffer as ArrayBuffer,
      replyProbe.buffer as ArrayBuffer,
    ]);
    return this.call<JudgeReply>({ type: 'judge', a, env, listen, probes, sentMs, replies, replyProbe, perProbe }, [...bufs]);
  }

  /** Judge a played batch of stateful probes (batch-sequence.ts), each flow from the listener's state. */
  judgeSeq(env: Record<4 | 6, EnvParams>, listen: { port: number; backlog: number }, flows: PlayedFlow[]): Promise<FlowOutcome[]> {
    const packed = packFlows(flows);
    return this.call<JudgeSeqReply>({ type: 'judgeSeq', env, listen, flows: packed }, packedFlowBuffers(packed)).then((r) => unpackOutcomes(r.outcomes));
  }

  async close(): Promise<void> {
    this.failed ??= new Error('pipeline worker closed');
    await this.worker.terminate();
  }
}
