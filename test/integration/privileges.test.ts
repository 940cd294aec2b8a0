// Without the capabilities a run needs (here: root with CAP_SYS_ADMIN, CAP_NET_ADMIN and CAP_NET_RAW
// dropped from its bounding set by setpriv), synh run, probe, fuzz and differential stop at once with
// one line that names what is missing — they do not try every case and fail each one.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';

const DROP = ['--bounding-set', '-sys_admin,-net_admin,-net_raw', '--inh-caps=-all', process.execPath, 'bin/synh'];

describe('synh without the privileges it needs', function () {
  this.timeout(60000);
  for (const args of [
    ['run', 'cases/closed-port'],
    ['probe'],
    ['differential', '--probes', '10'],
    ['fuzz', 'cases/campaigns/listener-syn-flood-mix.yaml', '--probes', '10'],
  ]) {
    it(`synh ${args[0]}: one line, exit 2, nothing run`, () => {
      const t0 = Date.now();
      const r = spawnSync('setpriv', [...DROP, ...args], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
      expect(r.stderr).to.match(new RegExp(`^synh ${args[0]}: needs root — CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW missing`));
      expect(r.stdout).to.equal('');
      expect(Date.now() - t0).to.be.lessThan(20000);
    });
  }
});
