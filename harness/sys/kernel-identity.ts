// This machine's kernel as KCIDB wants to know it: the version string (uname -v), the architecture,
// and a hash of its configuration when the kernel publishes one (/proc/config.gz, else
// /boot/config-<release>). Read once per run.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { arch, release, version } from 'node:os';
import type { KernelIdentity } from '../report/types';

export function hostKernelIdentity(): KernelIdentity {
  let configSha256: string | undefined;
  for (const f of ['/proc/config.gz', `/boot/config-${release()}`]) {
    try {
      configSha256 = createHash('sha256').update(fs.readFileSync(f)).digest('hex');
      break;
    } catch {
      // Not published there: try the next place, or leave the hash out.
    }
  }
  return { version: version(), arch: arch(), ...(configSha256 ? { configSha256 } : {}) };
}
