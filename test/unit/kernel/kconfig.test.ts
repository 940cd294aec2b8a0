import { expect } from 'chai';
import { checkKconfig, KCONFIG_NEEDS, kconfigFragment, parseKconfig } from '../../../lib/kernel/kconfig';

const ALL_Y = KCONFIG_NEEDS.map((n) => `CONFIG_${n.option}=y`).join('\n');

describe('kernel config needs (synh kconfig, doctor --kernel)', () => {
  it('reads =y, =m, values and "is not set"', () => {
    const c = parseKconfig('CONFIG_VETH=m\n# CONFIG_BRIDGE is not set\nCONFIG_NR_CPUS=64\nCONFIG_LOCALVERSION=""\n# a comment\n');
    expect([...c]).to.deep.equal([
      ['VETH', 'm'],
      ['BRIDGE', 'n'],
      ['NR_CPUS', '64'],
      ['LOCALVERSION', '""'],
    ]);
  });

  it('a complete config has no problem; a missing option names itself and why', () => {
    expect(checkKconfig(parseKconfig(ALL_Y), () => false, { guest: true })).to.deep.equal([]);
    const noVeth = parseKconfig(ALL_Y.replace('CONFIG_VETH=y', '# CONFIG_VETH is not set'));
    const p = checkKconfig(noVeth, () => true, { guest: true });
    expect(p).to.have.length(1);
    expect(p[0].need.option).to.equal('VETH');
    expect(p[0].value).to.equal('not set');
    expect(p[0].need.why).to.match(/veth/);
  });

  it('=m counts only when the module file exists', () => {
    const m = parseKconfig(ALL_Y.replace('CONFIG_BRIDGE=y', 'CONFIG_BRIDGE=m'));
    expect(checkKconfig(m, (name) => name === 'bridge', { guest: true })).to.deep.equal([]);
    expect(checkKconfig(m, () => false, { guest: true }).map((p) => [p.need.option, p.value])).to.deep.equal([['BRIDGE', 'm (module file missing)']]);
  });

  it('guest-only needs are not asked of a host kernel', () => {
    const noVirtio = parseKconfig(ALL_Y.replace('CONFIG_VIRTIO_BLK=y', ''));
    expect(checkKconfig(noVirtio, () => false, { guest: false })).to.deep.equal([]);
    expect(checkKconfig(noVirtio, () => false, { guest: true }).map((p) => p.need.option)).to.deep.equal(['VIRTIO_BLK']);
  });

  it('the fragment sets every need once, and reads back as a complete config', () => {
    const f = kconfigFragment();
    for (const n of KCONFIG_NEEDS) expect(f.match(new RegExp(`^CONFIG_${n.option}=y\\b`, 'gm'))).to.have.length(1);
    expect(checkKconfig(parseKconfig(f.replace(/ +#.*$/gm, '')), () => false, { guest: true })).to.deep.equal([]);
  });
});
