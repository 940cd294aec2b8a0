// The step slots a worker writes and the coordinator reads when the worker dies (step-slots.ts).
import { expect } from 'chai';
import { fork } from 'child_process';
import * as fs from 'fs';
import { openStepSlots, readStepSlot, STEP_FD, writeStepSlot } from '../../../harness/runner/step-slots';

describe('runner step slots', () => {
  it('read back what was written, per job; a slot holding another job (or none) says nothing', () => {
    const fd = openStepSlots();
    try {
      expect(readStepSlot(fd, 7)).to.equal(undefined);
      writeStepSlot(fd, 7, 1);
      writeStepSlot(fd, 8, 4);
      writeStepSlot(fd, 7, 3);
      expect(readStepSlot(fd, 7)).to.equal(3);
      expect(readStepSlot(fd, 8)).to.equal(4);
      writeStepSlot(fd, 7 + 1024, 2); // the same slot, a later job
      expect(readStepSlot(fd, 7)).to.equal(undefined);
      expect(readStepSlot(fd, 7 + 1024)).to.equal(2);
    } finally {
      fs.closeSync(fd);
    }
  });
  it('a child process writes through the inherited descriptor; the file has no name left behind', async () => {
    const fd = openStepSlots();
    try {
      const mod = JSON.stringify(require.resolve('../../../harness/runner/step-slots'));
      const script = `require(${mod}).writeStepSlot(${STEP_FD}, 42, 5); process.exit(0);`;
      const c = fork('-e', [script], { execArgv: ['-r', 'ts-node/register/transpile-only'], stdio: ['ignore', 'ignore', 'ignore', 'ipc', fd] });
      await new Promise((res) => c.on('exit', res));
      expect(readStepSlot(fd, 42)).to.equal(5);
      expect(fs.readlinkSync(`/proc/self/fd/${fd}`)).to.match(/\(deleted\)$/);
    } finally {
      fs.closeSync(fd);
    }
  });
});
