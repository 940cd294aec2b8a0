// `synh doctor` on this machine (CI runs as root with the set-up done): every check passes, including
// the live one (namespaces, veth, offloads, a raw socket and a libpcap capture in a throwaway namespace).
// `npm start` runs it before the suite, so a broken check stops the README's main command.
import { expect } from 'chai';
import { spawnSync } from 'child_process';

describe('synh doctor', function () {
  this.timeout(60000);
  it('passes every check here, and says so in --json', () => {
    const r = spawnSync(process.execPath, ['bin/synh', 'doctor', '--json'], { encoding: 'utf8' });
    const out = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
    const bad = out.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(bad).to.deep.equal([]);
    expect(out.ok).to.equal(true);
    expect(r.status).to.equal(0);
    expect(out.checks.map((c) => c.name)).to.include.members(['root', 'libpcap', 'namespaces, veth, raw socket, pcap']);
  });
});
