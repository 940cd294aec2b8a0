// The guest image: an initramfs with node and the libraries it loads, busybox (for /init's mounts and
// the results tar), a real shell and the tools the harness calls (iproute2, ethtool, procps,
// util-linux), libpcap, and this checkout at its own path with node_modules and its compiled mirror —
// so the same runner runs inside the guest with no mounts. Built once per content and cached
// (~/.cache/synharness/images/base-<key>.cpio); the kernel's modules make a second small archive, the
// run's command a third, concatenated into one initrd per boot.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { KCONFIG_NEEDS } from '../../lib/kernel/kconfig';
import { compiledMirror, REPO_ROOT } from '../compiled-mirror';
import { cacheDir, sweepDead } from './cache';
import { CpioWriter } from './cpio';
import type { KernelImage } from './kernel-source';
import { moduleLoadOrder } from './modules';
import { CASE_CACHE_DIR } from '../runner/case-cache';
import { isCodeCacheDirName } from '../sys/code-cache';

/** Bump when the image's layout changes (the key covers content, not the code that lays it out). */
const IMAGE_FORMAT = 3;
/** From the checkout, not `__dirname`: the CLI runs from the transpiled mirror, which holds only .js. */
const INIT_SCRIPT = path.join(REPO_ROOT, 'harness', 'guest', 'init.sh');
/** Host programs the guest needs (looked up on PATH), with their libraries. */
const PROGRAMS = ['busybox', 'dash', 'ip', 'ethtool', 'sysctl', 'nsenter', 'unshare', 'setpriv'];
/** Libraries loaded at run time rather than linked (koffi loads libpcap by name). */
const DLOPENED = ['libpcap.so.0.8', 'libpcap.so.1'];
/** Parts of the checkout the runner needs (not tests, benchmarks, results or git). */
const PROJECT_PARTS = ['bin', 'lib', 'harness', 'cases', 'docs', 'package.json', 'tsconfig.json'];
/** Big packages the runner never loads in the guest (typescript: only its package.json, for the mirror's key). */
const NODE_MODULES_SKIP = new Set(['typescript', 'ts-node', 'mocha', '@types', '.cache', 'prettier', 'chai', 'ajv']);

export class ImageError extends Error {}

function which(prog: string): string | undefined {
  for (const d of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = path.join(d, prog);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** The shared libraries a program or library needs, per ldd (absolute paths). */
function lddDeps(file: string): string[] {
  const r = spawnSync('ldd', [file], { encoding: 'utf8' });
  if (r.status !== 0) return []; // static (busybox-static) or not ELF
  const out: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s+(\/\S+)\s+\(/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

function ldconfigPath(soname: string): string | undefined {
  const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  const m = new RegExp(`^\\s+${soname.replace(/\./g, '\\.')} \\(libc6,x86-64\\) => (\\S+)`, 'm').exec(r.stdout ?? '');
  return m?.[1];
}

/** Everything the image holds from the host: absolute paths (files; links and parents follow). */
export interface ImagePlan {
  hostFiles: string[];
  /** Directory trees copied whole (the checkout's parts, node_modules, the mirror). */
  trees: string[];
  skipNodeModules: Set<string>;
  missing: string[];
}

export function planImage(): ImagePlan {
  const missing: string[] = [];
  const hostFiles = new Set<string>([process.execPath, '/etc/ld.so.cache']);
  for (const p of PROGRAMS) {
    const f = which(p);
    if (f) hostFiles.add(f);
    else missing.push(p);
  }
  let pcap = false;
  for (const so of DLOPENED) {
    const f = ldconfigPath(so);
    if (f) {
      hostFiles.add(f);
      pcap = true;
    }
  }
  if (!pcap) missing.push('libpcap');
  for (const f of [...hostFiles]) for (const d of lddDeps(f)) hostFiles.add(d);
  const mirror = compiledMirror();
  const trees = [...PROJECT_PARTS.map((p) => path.join(REPO_ROOT, p)).filter((p) => fs.existsSync(p)), path.join(REPO_ROOT, 'node_modules'), mirror];
  return { hostFiles: [...hostFiles].sort(), trees, skipNodeModules: NODE_MODULES_SKIP, missing };
}

/** Whether the base image holds this host path (a part of the checkout it copies). */
export function inBaseImage(p: string): boolean {
  return [...PROJECT_PARTS, 'node_modules'].some((part) => {
    const rel = path.relative(path.join(REPO_ROOT, part), p);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
}

/**
 * Calls back for each file under a tree (following no links), skipping what the image leaves out: the
 * big packages, and the mirror's case and code caches, which grow with runs on this machine (they would
 * change the image's key each time) and go into each run's own archive instead (the case cache for its
 * cases only).
 */
function walkTree(root: string, skip: Set<string>, each: (p: string, st: fs.Stats) => void): void {
  const nm = path.join(REPO_ROOT, 'node_modules');
  const mirror = compiledMirror();
  const caseCache = path.join(mirror, CASE_CACHE_DIR);
  const visit = (p: string): void => {
    const st = fs.lstatSync(p);
    each(p, st);
    if (!st.isDirectory()) return;
    for (const n of fs.readdirSync(p).sort()) {
      if (path.join(p, n) === caseCache || (p === mirror && isCodeCacheDirName(n))) continue;
      if (path.dirname(path.join(p, n)) === nm && skip.has(n)) continue;
      visit(path.join(p, n));
    }
  };
  visit(root);
}

export function imageKey(plan: ImagePlan): string {
  const h = createHash('sha256');
  h.update(`format ${IMAGE_FORMAT}\n`);
  h.update(fs.readFileSync(INIT_SCRIPT));
  // A directory's time changes with entries the image leaves out (the mirror's caches), and the
  // mirror's name hashes every source it is compiled from: neither is stamped with its time, so a run
  // that made a cache, or a mirror made again after a start-up sweep took it, keeps the image.
  const mirror = compiledMirror() + path.sep;
  const stamp = (p: string, st: fs.Stats): void => {
    const t = st.isDirectory() || p.startsWith(mirror) ? '' : Math.floor(st.mtimeMs);
    h.update(`${p}\0${st.mode}\0${st.size}\0${t}\n`);
  };
  for (const f of plan.hostFiles) stamp(f, fs.statSync(f));
  for (const t of plan.trees) walkTree(t, plan.skipNodeModules, stamp);
  return h.digest('hex').slice(0, 16);
}

/** Adds a host path with every parent directory and every symlink on the way (merged /usr layouts). */
function addHostPath(w: CpioWriter, p: string, depth = 0): void {
  if (depth > 16 || w.has(p)) return;
  const parent = path.dirname(p);
  if (parent !== p && parent !== '/') addHostPath(w, parent, depth + 1);
  const st = fs.lstatSync(p);
  if (st.isSymbolicLink()) {
    const target = fs.readlinkSync(p);
    w.add({ kind: 'symlink', name: p, target });
    addHostPath(w, path.resolve(parent, target), depth + 1);
  } else if (st.isDirectory()) {
    w.add({ kind: 'dir', name: p, mode: st.mode & 0o7777 });
  } else if (st.isFile()) {
    w.add({ kind: 'file', name: p, mode: st.mode & 0o7777, data: fs.readFileSync(p) });
  }
}

/**
 * node itself, stripped of its symbol tables and debug information when binutils' strip is there
 * (Debian's node carries 13 MB of them, a tenth of the image the guest's kernel unpacks at every boot;
 * the dynamic symbols native addons link against stay).
 */
function addNode(w: CpioWriter): void {
  const node = process.execPath;
  const stripped = path.join(os.tmpdir(), `synh-node-stripped-${process.pid}`);
  const r = spawnSync('strip', ['-o', stripped, node], { stdio: 'ignore' });
  try {
    if (r.status !== 0) return addHostPath(w, node);
    addHostPath(w, path.dirname(node));
    w.add({ kind: 'file', name: node, mode: fs.statSync(node).mode & 0o7777, data: fs.readFileSync(stripped) });
  } finally {
    fs.rmSync(stripped, { force: true });
  }
}

function writeBase(file: string, plan: ImagePlan): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const w = new CpioWriter(fd);
    for (const d of ['/dev', '/proc', '/sys', '/tmp', '/run', '/root', '/synh', '/etc']) w.add({ kind: 'dir', name: d, mode: d === '/tmp' ? 0o1777 : 0o755 });
    w.add({
      kind: 'file',
      name: '/etc/passwd',
      data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n'),
    });
    w.add({ kind: 'file', name: '/etc/group', data: Buffer.from('root:x:0:\nnogroup:x:65534:\n') });
    w.add({ kind: 'file', name: '/etc/hosts', data: Buffer.from('127.0.0.1 localhost synh-guest\n::1 localhost\n') });
    addNode(w);
    for (const f of plan.hostFiles) addHostPath(w, f);
    // /bin/sh is dash, never busybox: busybox's sh would run its own `ip` applet instead of iproute2's.
    if (!w.has('/bin/sh')) w.add({ kind: 'symlink', name: '/bin/sh', target: which('dash') ?? '/bin/dash' });
    w.add({ kind: 'file', name: '/init', mode: 0o755, data: fs.readFileSync(INIT_SCRIPT) });
    for (const t of plan.trees) {
      addHostPath(w, path.dirname(t));
      walkTree(t, plan.skipNodeModules, (p) => addHostPath(w, p));
    }
    const tsPkg = path.join(REPO_ROOT, 'node_modules', 'typescript', 'package.json');
    if (fs.existsSync(tsPkg)) addHostPath(w, tsPkg);
    w.finish();
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export interface GuestImage {
  /** The base archive (node, tools, checkout), shared by every kernel. */
  base: string;
  /** The kernel's modules archive. */
  modules: string;
  /** Modules the config wants as =m that have no file (left for doctor to report). */
  absentModules: string[];
  built: string[];
}

/** The modules KCONFIG_NEEDS names that this kernel builds as =m (all of them when its config is unknown). */
function wantedModules(k: KernelImage): string[] {
  return KCONFIG_NEEDS.filter((n) => n.module && (!k.config || k.config.get(n.option) === 'm')).map((n) => n.module!);
}

export function guestImage(k: KernelImage, log: (s: string) => void = () => {}): GuestImage {
  const dir = cacheDir('images');
  sweepDead(dir);
  const plan = planImage();
  if (plan.missing.length) {
    throw new ImageError(
      `the guest image needs ${plan.missing.join(', ')} on this machine: apt-get install -y busybox-static dash iproute2 ethtool procps util-linux libpcap0.8 (or npm run setup)`,
    );
  }
  const built: string[] = [];
  const base = path.join(dir, `base-${imageKey(plan)}.cpio`);
  if (!fs.existsSync(base)) {
    log('building the guest image (node, tools, this checkout)');
    writeBase(base, plan);
    built.push(base);
  }
  pruneImages(dir, base);
  const wanted = wantedModules(k);
  const mh = createHash('sha256').update(`${k.vmlinuz}\0${k.modulesDir ?? ''}\0${wanted.join(',')}\0`);
  if (k.modulesDir) mh.update(String(Math.floor(fs.statSync(k.modulesDir).mtimeMs)));
  const modules = path.join(dir, `modules-${k.release.replace(/[^A-Za-z0-9._+-]/g, '_')}-${mh.digest('hex').slice(0, 12)}.cpio`);
  let absentModules: string[] = [];
  if (!fs.existsSync(modules) || !k.modulesDir) {
    const order = k.modulesDir ? moduleLoadOrder(k.modulesDir, wanted) : { modules: [], absent: wanted };
    absentModules = order.absent;
    const tmp = `${modules}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w');
    try {
      const w = new CpioWriter(fd);
      w.add({ kind: 'dir', name: '/synh' });
      w.add({ kind: 'dir', name: '/synh/modules' });
      for (const m of order.modules) w.add({ kind: 'file', name: `/synh/modules/${m.name}.ko`, data: m.data });
      w.add({ kind: 'file', name: '/synh/modules.list', data: Buffer.from(order.modules.map((m) => `${m.name}\n`).join('')) });
      w.finish();
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, modules);
    built.push(modules);
  }
  return { base, modules, absentModules, built };
}

/** Keeps the images used most recently (other checkouts may be using theirs); the rest go. */
function pruneImages(dir: string, current: string): void {
  const now = new Date();
  fs.utimesSync(current, now, now);
  const bases = fs
    .readdirSync(dir)
    .filter((n) => /^base-[0-9a-f]+\.cpio$/.test(n))
    .map((n) => ({ p: path.join(dir, n), t: fs.statSync(path.join(dir, n)).mtimeMs }));
  bases.sort((a, b) => b.t - a.t);
  for (const b of bases.slice(3)) if (b.p !== current) fs.rmSync(b.p, { force: true });
}

/**
 * The run's archive: its command script, plus host files and trees the command names that the base
 * image does not hold (case files or a campaign outside this checkout), at their own paths.
 */
export function runArchive(file: string, runScript: string, extra: readonly string[] = []): void {
  const fd = fs.openSync(file, 'w');
  try {
    const w = new CpioWriter(fd);
    w.add({ kind: 'dir', name: '/synh' });
    w.add({ kind: 'file', name: '/synh/run.sh', mode: 0o755, data: Buffer.from(runScript) });
    for (const t of extra) {
      addHostPath(w, path.dirname(t));
      walkTree(t, new Set(), (p) => addHostPath(w, p));
    }
    w.finish();
  } finally {
    fs.closeSync(fd);
  }
}
