import { expect } from 'chai';
import { KernelSpecError, parseKernelList, parseKernelSpec, pickDebianPackage } from '../../../lib/kernel/kernel-spec';

describe('kernel specs (--kernel)', () => {
  it('reads host, debian:<version> and paths', () => {
    expect(parseKernelSpec('host')).to.deep.equal({ kind: 'host', text: 'host' });
    expect(parseKernelSpec('debian:6.1')).to.deep.equal({ kind: 'debian', text: 'debian:6.1', version: '6.1' });
    expect(parseKernelSpec('debian:6.12.118')).to.include({ kind: 'debian', version: '6.12.118' });
    expect(parseKernelSpec('debian:6.1.0-57')).to.include({ kind: 'debian', version: '6.1.0-57' });
    expect(parseKernelSpec('./arch/x86/boot/bzImage')).to.include({ kind: 'path', path: './arch/x86/boot/bzImage' });
    expect(parseKernelSpec('vmlinuz-6.6.1')).to.include({ kind: 'path' });
  });

  it('rejects what names no kernel, saying what would', () => {
    expect(() => parseKernelSpec('debian:six')).to.throw(KernelSpecError, /not a Debian kernel version \(e\.g\. debian:6\.1/);
    expect(() => parseKernelSpec('latest')).to.throw(KernelSpecError, /not host, debian:<version>, or a path .*\.\/latest/);
    expect(() => parseKernelSpec(' ')).to.throw(KernelSpecError, /empty item/);
  });

  it('reads a list in order and refuses a kernel named twice (one results directory each)', () => {
    expect(parseKernelList('host,debian:6.1,debian:6.12').map((k) => k.text)).to.deep.equal(['host', 'debian:6.1', 'debian:6.12']);
    expect(() => parseKernelList('debian:6.1,debian:6.1')).to.throw(KernelSpecError, /named twice/);
    expect(() => parseKernelList('host,')).to.throw(KernelSpecError, /empty item/);
  });

  it('picks the newest matching Debian package, cloud flavour first, at a version boundary', () => {
    const apt = [
      'linux-image-6.1.0-9-amd64',
      'linux-image-6.1.0-57-amd64',
      'linux-image-6.1.0-57-cloud-amd64',
      'linux-image-6.1.0-9-cloud-amd64',
      'linux-image-6.1.0-57-cloud-amd64-dbg',
      'linux-image-6.1.0-57-amd64-unsigned',
      'linux-image-6.12.118+deb12-cloud-amd64',
      'linux-image-6.12.43+deb12-cloud-amd64',
      'linux-image-6.12.118+deb12-amd64',
      'linux-image-amd64',
      'linux-image-cloud-amd64',
    ];
    expect(pickDebianPackage('6.1', apt)).to.equal('linux-image-6.1.0-57-cloud-amd64');
    expect(pickDebianPackage('6.12', apt)).to.equal('linux-image-6.12.118+deb12-cloud-amd64');
    expect(pickDebianPackage('6.12.43', apt)).to.equal('linux-image-6.12.43+deb12-cloud-amd64');
    expect(pickDebianPackage('6.1.0-9', apt)).to.equal('linux-image-6.1.0-9-cloud-amd64');
    expect(pickDebianPackage('6.6', apt)).to.equal(undefined);
    expect(pickDebianPackage('6.1', ['linux-image-6.1.0-57-amd64'])).to.equal('linux-image-6.1.0-57-amd64');
  });
});
