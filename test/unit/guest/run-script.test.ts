import { expect } from 'chai';
import { withoutKernelFlag } from '../../../harness/cli/kernels';
import { inBaseImage } from '../../../harness/guest/image';
import { runScript } from '../../../harness/guest/run-in-guest';
import { REPO_ROOT } from '../../../harness/compiled-mirror';
import * as path from 'node:path';

describe('running a command in a guest', () => {
  it('drops --kernel (both spellings) from the command the guest runs, and nothing after --', () => {
    expect(withoutKernelFlag(['run', '--kernel', 'debian:6.1', 'cases/listener', '--ip', '4'])).to.deep.equal(['run', 'cases/listener', '--ip', '4']);
    expect(withoutKernelFlag(['fuzz', '--kernel=debian:6.12,host', 'c.yaml'])).to.deep.equal(['fuzz', 'c.yaml']);
    expect(withoutKernelFlag(['run', '--', '--kernel', 'x'])).to.deep.equal(['run', '--', '--kernel', 'x']);
  });

  it('quotes every argument and path for the guest shell, and writes status and release before the results tar', () => {
    const s = runScript({ cwd: "/tmp/it's here", resultsRoot: '/r', argv: ['run', "a b'c", '$(reboot)'], env: { X: "1'2" } });
    expect(s).to.contain(`cd '/tmp/it'\\''s here'`);
    expect(s).to.contain(`export X='1'\\''2'`);
    expect(s).to.contain(`'run' 'a b'\\''c' '$(reboot)' > /dev/ttyS1 2> /dev/ttyS2`);
    const status = s.indexOf('echo "$status"');
    expect(status).to.be.greaterThan(0);
    expect(s.indexOf('tar -cf /dev/vda')).to.be.greaterThan(status);
  });

  it('packs only inputs the base image lacks', () => {
    expect(inBaseImage(path.join(REPO_ROOT, 'cases', 'listener'))).to.equal(true);
    expect(inBaseImage(path.join(REPO_ROOT, 'cases'))).to.equal(true);
    expect(inBaseImage(path.join(REPO_ROOT, 'test', 'x.yaml'))).to.equal(false);
    expect(inBaseImage('/tmp/my-cases')).to.equal(false);
    expect(inBaseImage(path.join(REPO_ROOT, 'cases-old'))).to.equal(false);
  });
});
