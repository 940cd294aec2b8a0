// The kernel options synharness needs in a kernel under test, defined once: `synh kconfig` prints them
// as a config fragment, `synh doctor --kernel X` checks a kernel's config against them, and the guest
// image loads the ones built as modules.

export interface KconfigNeed {
  option: string;
  /** The module that provides it when built as =m (loaded in the guest before the run). */
  module?: string;
  why: string;
  /** Only the guest needs it (booting under qemu, bringing results back), not a host kernel. */
  guestOnly?: boolean;
}

export const KCONFIG_NEEDS: readonly KconfigNeed[] = [
  { option: 'NET_NS', why: 'a fresh network namespace per case (DUT and tester)' },
  { option: 'VETH', module: 'veth', why: 'the veth pairs between tester and DUT' },
  { option: 'BRIDGE', module: 'bridge', why: "each lab's bridge joining its DUT veths" },
  { option: 'PACKET', module: 'af_packet', why: 'capture (libpcap) and link-layer injection, the fuzz rings' },
  { option: 'INET', why: 'TCP/IPv4' },
  { option: 'IPV6', module: 'ipv6', why: 'the IPv6 runs of every case' },
  { option: 'SYN_COOKIES', why: 'the syncookie cases' },
  { option: 'TCP_MD5SIG', why: 'the TCP-MD5 cases' },
  { option: 'INET_DIAG', module: 'inet_diag', why: 'socket state from the DUT (sock_diag)' },
  { option: 'INET_TCP_DIAG', module: 'tcp_diag', why: 'TCP sockets over sock_diag' },
  { option: 'UNIX', why: "the DUT agent's control channel" },
  { option: 'BLK_DEV_INITRD', why: 'the guest image is an initramfs', guestOnly: true },
  { option: 'DEVTMPFS', why: '/dev in the guest', guestOnly: true },
  { option: 'TMPFS', why: 'the guest root', guestOnly: true },
  { option: 'SERIAL_8250_CONSOLE', why: 'console and program output on serial ports', guestOnly: true },
  { option: 'VIRTIO_PCI', module: 'virtio_pci', why: 'the results disk', guestOnly: true },
  { option: 'VIRTIO_BLK', module: 'virtio_blk', why: 'the results disk (a tar the guest writes)', guestOnly: true },
];

export type KconfigValue = 'y' | 'm' | 'n';

/** Reads a .config: CONFIG_X=y|m, "# CONFIG_X is not set" → n. Other values kept as their text. */
export function parseKconfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    let m = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (m) {
      out.set(m[1], m[2]);
      continue;
    }
    m = /^# CONFIG_([A-Za-z0-9_]+) is not set/.exec(line);
    if (m) out.set(m[1], 'n');
  }
  return out;
}

export interface KconfigProblem {
  need: KconfigNeed;
  value: string;
}

/** The needs a config does not meet (absent or =n; =m counts only when the module file exists). */
export function checkKconfig(config: Map<string, string>, hasModule: (name: string) => boolean, opts: { guest: boolean }): KconfigProblem[] {
  const out: KconfigProblem[] = [];
  for (const need of KCONFIG_NEEDS) {
    if (need.guestOnly && !opts.guest) continue;
    const v = config.get(need.option) ?? 'n';
    if (v === 'y') continue;
    if (v === 'm' && need.module && hasModule(need.module)) continue;
    out.push({ need, value: v === 'm' ? 'm (module file missing)' : v === 'n' ? 'not set' : v });
  }
  return out;
}

/** The fragment for a self-built kernel (`make olddefconfig` after appending it). */
export function kconfigFragment(): string {
  const lines = ['# synharness: options a kernel under test needs (append to .config, then make olddefconfig)'];
  for (const n of KCONFIG_NEEDS)
    lines.push(`CONFIG_${n.option}=y${' '.repeat(Math.max(1, 24 - n.option.length))}# ${n.why}${n.guestOnly ? ' (guest boot)' : ''}`);
  return lines.join('\n') + '\n';
}
