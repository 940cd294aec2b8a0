// Pin the calling thread (our main thread: it injects and captures) to the CPU it is on, so every
// injected packet goes through one CPU's backlog queue, in order (see listener-engine.ts).
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');
const sched_getcpu = libc.func('int sched_getcpu()');
const sched_setaffinity = libc.func('int sched_setaffinity(int pid, size_t size, const uint8_t *mask)');

let pinned = -1;

export function pinToCurrentCpu(): number {
  if (pinned >= 0) return pinned;
  const cpu = sched_getcpu();
  if (cpu < 0) throw new Error('sched_getcpu failed');
  const mask = Buffer.alloc(128);
  mask[cpu >> 3] |= 1 << (cpu & 7);
  if (sched_setaffinity(0, mask.length, mask) !== 0) throw new Error(`sched_setaffinity(cpu ${cpu}) failed (errno ${koffi.errno()})`);
  pinned = cpu;
  return cpu;
}
