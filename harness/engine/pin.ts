// Pin the calling thread (our main thread: it injects and captures) to the CPU it is on, so every
// injected packet goes through one CPU's backlog queue, in order (see listener-engine.ts).
import { schedGetcpu, schedSetaffinity } from '../sys/libc';

let pinned = -1;

export function pinToCurrentCpu(): number {
  if (pinned >= 0) return pinned;
  const cpu = schedGetcpu();
  if (cpu.ret < 0) throw new Error(`sched_getcpu failed (errno ${cpu.errno})`);
  const mask = Buffer.alloc(128);
  mask[cpu.ret >> 3] |= 1 << (cpu.ret & 7);
  const r = schedSetaffinity(mask);
  if (r.ret !== 0) throw new Error(`sched_setaffinity(cpu ${cpu.ret}) failed (errno ${r.errno})`);
  pinned = cpu.ret;
  return pinned;
}
