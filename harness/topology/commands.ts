// Running the few external tools the topology still uses off its hot path (nsenter + sysctl/ip/ethtool
// for inspection), with errors that say what to do.
import { spawnSync } from 'child_process';

const INSTALL_HINT: Record<string, string> = {
  ip: 'install iproute2 (apt-get install -y iproute2) or run `npm run setup`',
  ethtool: 'install ethtool (apt-get install -y ethtool) or run `npm run setup`',
  nsenter: 'install util-linux (apt-get install -y util-linux)',
};

/** Run a command synchronously in the calling thread's namespaces; throw with its stderr on failure. */
export function run(cmd: string, args: string[], input?: string, allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.error) {
    const hint = (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? ` — ${INSTALL_HINT[cmd] ?? 'install it'}` : '';
    throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}${hint}`);
  }
  if (r.status !== 0) {
    if (allowFail) return '';
    throw new Error(`${cmd} ${args.join(' ')}${input ? ` <<< ${JSON.stringify(input.trim())}` : ''} exited ${r.status}: ${r.stderr.trim()}`);
  }
  return r.stdout;
}

/** Parse `ethtool -k IF` output into feature → on/off. */
export function parseEthtoolFeatures(text: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([a-z0-9-]+):\s+(on|off)/.exec(line);
    if (m) out[m[1]] = m[2] === 'on';
  }
  return out;
}

/** Features that must read "off" on every lab link (ethtool -k names; set by harness/sys/ethtool.ts). */
export const OFFLOAD_FEATURES = ['rx-checksumming', 'tx-checksumming', 'tcp-segmentation-offload', 'generic-segmentation-offload', 'generic-receive-offload'];
