// The main thread's handle on the pipeline worker.
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { CapturedFrame } from '../capture/capture';
import { Ends, EnvParams, GenReply, JudgeReply, pack, Reply, Request } from './pipeline-protocol';

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;

export class PipelineWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;

  constructor(campaignFile: string, modelModule?: string) {
    this.worker = new Worker(path.join(__dirname, 'pipeline-worker-boot.js'), { workerData: { campaignFile: path.resolve(campaignFile), modelModule } });
    this.worker.on('message', (r: Reply) => {
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

  gen(a: number, b: number, ends: Record<4 | 6, Ends>): Promise<GenReply> {
    return this.call<GenReply>({ type: 'gen', a, b, ends });
  }

  judge(a: number, env: Record<4 | 6, EnvParams>, listen: { port: number; backlog: number }, probes: readonly Uint8Array[], outcomes: ReadonlyArray<{ replies: readonly CapturedFrame[]; sentNs: bigint }>): Promise<JudgeReply> {
    const frames: Uint8Array[] = [];
    const replyStart = new Uint32Array(outcomes.length + 1);
    const sentMs = new Float64Array(outcomes.length);
    for (let k = 0; k < outcomes.length; k++) {
      replyStart[k] = frames.length;
      sentMs[k] = Number(outcomes[k].sentNs) / 1e6;
      for (const f of outcomes[k].replies) frames.push(f.bytes);
    }
    replyStart[outcomes.length] = frames.length;
    const pp = pack(probes);
    const rp = pack(frames);
    return this.call<JudgeReply>(
      { type: 'judge', a, env, listen, probes: pp, sentMs, replies: rp, replyStart },
      [pp.buf, pp.offs.buffer as ArrayBuffer, rp.buf, rp.offs.buffer as ArrayBuffer, sentMs.buffer as ArrayBuffer, replyStart.buffer as ArrayBuffer],
    );
  }

  async close(): Promise<void> {
    this.failed ??= new Error('pipeline worker closed');
    await this.worker.terminate();
  }
}
