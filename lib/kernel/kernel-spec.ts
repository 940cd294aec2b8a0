// What `--kernel` names: the host's own kernel, a kernel image on disk, or a Debian kernel package.
// Pure: parsing and naming only; finding, fetching and booting live in harness/guest.

export type KernelSpec = { kind: 'host'; text: string } | { kind: 'path'; text: string; path: string } | { kind: 'debian'; text: string; version: string };

export class KernelSpecError extends Error {}

/** "6.1", "6.12", "6.1.0-57", "6.12.118", "6.12.118+deb12": a release prefix Debian's package names carry. */
const DEBIAN_VERSION = /^\d+\.\d+(?:[.-][0-9A-Za-z.+~-]+)?$/;

/** One item of a `--kernel` list. */
export function parseKernelSpec(text: string): KernelSpec {
  const t = text.trim();
  if (t === '') throw new KernelSpecError('--kernel: an empty item; give host, debian:<version> or a path to a kernel image');
  if (t === 'host') return { kind: 'host', text: t };
  if (t.startsWith('debian:')) {
    const version = t.slice('debian:'.length);
    if (!DEBIAN_VERSION.test(version)) {
      throw new KernelSpecError(`--kernel ${t}: '${version}' is not a Debian kernel version (e.g. debian:6.1, debian:6.12, debian:6.1.0-57, debian:6.12.118)`);
    }
    return { kind: 'debian', text: t, version };
  }
  if (t.includes('/') || /\.(img|bin)$|^(vmlinu[xz]|bzImage)/.test(t)) return { kind: 'path', text: t, path: t };
  throw new KernelSpecError(`--kernel '${t}': not host, debian:<version>, or a path to a kernel image (vmlinuz/bzImage; write ./${t} for a file here)`);
}

/** `--kernel host,debian:6.1,debian:6.12`: each in turn. Duplicates are an error (one results directory each). */
export function parseKernelList(text: string): KernelSpec[] {
  const items = text.split(',').map(parseKernelSpec);
  const seen = new Set<string>();
  for (const k of items) {
    if (seen.has(k.text)) throw new KernelSpecError(`--kernel: '${k.text}' is named twice`);
    seen.add(k.text);
  }
  return items;
}

/**
 * The Debian package that `debian:<version>` names among the available ones (`linux-image-*-cloud-amd64`
 * style names): the newest whose release starts with the version at a component boundary. Cloud
 * kernels first (small, virtio built for qemu), then any flavour.
 */
export function pickDebianPackage(version: string, available: readonly string[]): string | undefined {
  const release = (name: string): string | undefined => /^linux-image-(\d[^ ]*?)-(cloud-)?amd64$/.exec(name)?.[1];
  const matches = available.filter((n) => {
    const r = release(n);
    if (!r || n.endsWith('-unsigned') || n.includes('-dbg')) return false;
    if (!r.startsWith(version)) return false;
    const next = r.charAt(version.length);
    return next === '' || next === '.' || next === '-' || next === '+';
  });
  const score = (n: string): number[] =>
    (release(n) ?? '')
      .split(/[^0-9]+/)
      .filter(Boolean)
      .map(Number);
  matches.sort((a, b) => {
    const ca = a.includes('-cloud-') ? 1 : 0;
    const cb = b.includes('-cloud-') ? 1 : 0;
    if (ca !== cb) return cb - ca;
    const sa = score(a);
    const sb = score(b);
    for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
      const d = (sb[i] ?? -1) - (sa[i] ?? -1);
      if (d) return d;
    }
    return 0;
  });
  return matches[0];
}
