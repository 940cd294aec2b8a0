// Which step each running case of a worker is at, for the coordinator to name when the worker dies
// ("… while running this case at step 3"). The worker writes it into a file the coordinator made for it
// and passed as an inherited descriptor (one pwrite of 8 bytes per step) instead of an IPC message per
// step: under TCG those messages cost a worker ~3.5 s of a ~75 s suite run (CPU profile). The file is
// unlinked as soon as it is open, so nothing of it outlives the two processes, even after kill -9.
// Slot = job key modulo SLOTS: (key, step) as two u32; the coordinator trusts a slot only with its key.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';

const SLOTS = 1024;
const SLOT_BYTES = 8;
/** The descriptor number the worker finds the file at (stdio index), and the variable that says so. */
export const STEP_FD = 4;
export const STEP_FD_ENV = 'SYNH_STEP_FD';

/** A fresh, already unlinked slot file: its descriptor (the coordinator's; the worker inherits it). */
export function openStepSlots(): number {
  const file = path.join(os.tmpdir(), `synh-steps-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = fs.openSync(file, 'w+', 0o600);
  fs.unlinkSync(file);
  return fd;
}

const buf = Buffer.alloc(SLOT_BYTES);
/** Worker side: job `key` is at `step` (1-based). */
export function writeStepSlot(fd: number, key: number, step: number): void {
  buf.writeUInt32LE(key >>> 0, 0);
  buf.writeUInt32LE(step >>> 0, 4);
  fs.writeSync(fd, buf, 0, SLOT_BYTES, (key % SLOTS) * SLOT_BYTES);
}

/** Coordinator side: the step job `key` last reached, or undefined when its slot holds another job (or none). */
export function readStepSlot(fd: number, key: number): number | undefined {
  const b = Buffer.alloc(SLOT_BYTES);
  const n = fs.readSync(fd, b, 0, SLOT_BYTES, (key % SLOTS) * SLOT_BYTES);
  if (n < SLOT_BYTES || b.readUInt32LE(0) !== key >>> 0) return undefined;
  const step = b.readUInt32LE(4);
  return step > 0 ? step : undefined;
}
