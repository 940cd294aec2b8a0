// Finds the kernel a `--kernel` item names: an image on disk (vmlinuz/bzImage, with its modules and
// config found next to it), or a Debian kernel package fetched with apt's ordinary download and
// unpacked once into the cache (~/.cache/synharness/kernels/<package>/).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pickDebianPackage, type KernelSpec } from '../../lib/kernel/kernel-spec';
import { parseKconfig } from '../../lib/kernel/kconfig';
import { cacheDir, sweepDead } from './cache';

export interface KernelImage {
  /** What the user wrote (`debian:6.1`, a path). */
  label: string;
  /** The image qemu boots. */
  vmlinuz: string;
  /** `uname -r` of that kernel, as its image says. */
  release: string;
  /** lib/modules/<release> (or a build tree), when there is one. */
  modulesDir?: string;
  /** Its .config, when found. */
  config?: Map<string, string>;
  configPath?: string;
  /** The Debian package, for debian: kernels. */
  debianPackage?: string;
}

export class KernelSourceError extends Error {}

/** The release string inside a bzImage (its setup header points at it), or undefined. */
export function bzImageRelease(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const h = Buffer.alloc(0x280);
    fs.readSync(fd, h, 0, h.length, 0);
    if (h.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined;
    const off = h.readUInt16LE(0x20e) + 0x200;
    const s = Buffer.alloc(256);
    fs.readSync(fd, s, 0, s.length, off);
    const text = s.toString('latin1').split('\0')[0];
    return /^\S+/.exec(text)?.[0];
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function readConfig(file: string | undefined): Map<string, string> | undefined {
  if (!file || !fs.existsSync(file)) return undefined;
  return parseKconfig(fs.readFileSync(file, 'utf8'));
}

/** A kernel image on disk: release from its header; modules and config by the usual layouts. */
export function kernelFromPath(p: string, label = p): KernelImage {
  const file = path.resolve(p);
  if (!fs.existsSync(file)) throw new KernelSourceError(`--kernel ${label}: no such file`);
  if (!fs.statSync(file).isFile())
    throw new KernelSourceError(`--kernel ${label}: not a file (give the kernel image: vmlinuz-<release> or arch/x86/boot/bzImage)`);
  const release = bzImageRelease(file);
  if (!release)
    throw new KernelSourceError(`--kernel ${label}: not a bootable x86 kernel image (no bzImage header); give vmlinuz or arch/x86/boot/bzImage, not vmlinux`);
  const dir = path.dirname(file);
  const tree = /arch\/x86\/boot$/.test(dir) ? path.resolve(dir, '../../..') : undefined;
  const modCandidates = [
    process.env.SYNH_KERNEL_MODULES,
    path.resolve(dir, '..', 'lib', 'modules', release),
    path.resolve(dir, 'lib', 'modules', release),
    path.resolve(dir, 'modules', release),
    tree,
  ].filter((d): d is string => !!d);
  const modulesDir = modCandidates.find((d) => fs.existsSync(path.join(d, 'modules.order')) || fs.existsSync(path.join(d, 'kernel')));
  const cfgCandidates = [
    path.join(dir, `config-${release}`),
    tree && path.join(tree, '.config'),
    path.join(dir, '.config'),
    modulesDir && path.join(modulesDir, 'build', '.config'),
  ];
  const configPath = cfgCandidates.find((c): c is string => !!c && fs.existsSync(c));
  return { label, vmlinuz: file, release, modulesDir, config: readConfig(configPath), configPath };
}

function run(cmd: string, args: string[], cwd?: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { ok: !r.error && r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() || (r.error?.message ?? '') };
}

function debianPackages(): string[] {
  const list = (): string[] => {
    const r = run('apt-cache', ['pkgnames', 'linux-image-']);
    return r.ok
      ? r.out
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
  };
  let names = list();
  if (!names.length && process.getuid?.() === 0) {
    run('apt-get', ['update', '-qq']);
    names = list();
  }
  return names;
}

/** debian:<version>: the newest matching package, downloaded and unpacked once. */
export function debianKernel(spec: Extract<KernelSpec, { kind: 'debian' }>, log: (s: string) => void = () => {}): KernelImage {
  const root = cacheDir('kernels');
  sweepDead(root);
  // A kernel already unpacked needs no apt at all (CI's set-up fetched it; apt lists may be gone).
  const cached = fs.readdirSync(root).filter((n) => fs.existsSync(path.join(root, n, '.complete')));
  let pkg = pickDebianPackage(spec.version, cached);
  const available = process.env.SYNH_OFFLINE ? [] : debianPackages();
  const newest = pickDebianPackage(spec.version, available);
  if (newest) pkg = newest;
  if (!pkg) {
    if (!fs.existsSync('/usr/bin/apt-cache'))
      throw new KernelSourceError(`--kernel ${spec.text}: no apt on this machine; download the kernel yourself and give its vmlinuz path`);
    throw new KernelSourceError(
      `--kernel ${spec.text}: no Debian package linux-image-${spec.version}*-amd64 known to apt (apt-cache search linux-image-${spec.version} lists what there is; run apt-get update first)`,
    );
  }
  const dir = path.join(root, pkg);
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    log(`fetching ${pkg} (apt-get download)`);
    const tmp = path.join(root, `run-${process.pid}-${pkg}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const dl = run('apt-get', ['download', '-o', 'APT::Sandbox::User=root', pkg], tmp);
    const deb = fs.readdirSync(tmp).find((n) => n.endsWith('.deb'));
    if (!dl.ok || !deb) throw new KernelSourceError(`--kernel ${spec.text}: apt-get download ${pkg} failed: ${dl.out.split('\n').slice(-2).join(' ')}`);
    const x = run('dpkg-deb', ['-x', path.join(tmp, deb), path.join(tmp, 'root')]);
    if (!x.ok) throw new KernelSourceError(`--kernel ${spec.text}: dpkg-deb -x ${deb} failed: ${x.out}`);
    fs.writeFileSync(path.join(tmp, 'root', '.complete'), `${deb}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(path.join(tmp, 'root'), dir);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const boot = path.join(dir, 'boot');
  const vmlinuz = fs.readdirSync(boot).find((n) => n.startsWith('vmlinuz-'));
  if (!vmlinuz) throw new KernelSourceError(`--kernel ${spec.text}: ${pkg} has no boot/vmlinuz-*`);
  const release = vmlinuz.slice('vmlinuz-'.length);
  const modulesDir = path.join(dir, 'lib', 'modules', release);
  const configPath = path.join(boot, `config-${release}`);
  return {
    label: spec.text,
    vmlinuz: path.join(boot, vmlinuz),
    release,
    debianPackage: pkg,
    modulesDir: fs.existsSync(modulesDir) ? modulesDir : undefined,
    config: readConfig(configPath),
    configPath,
  };
}

export function resolveKernel(spec: KernelSpec, log?: (s: string) => void): KernelImage {
  if (spec.kind === 'debian') return debianKernel(spec, log);
  if (spec.kind === 'path') return kernelFromPath(spec.path, spec.text);
  throw new KernelSourceError('the host kernel is not booted in a guest');
}
