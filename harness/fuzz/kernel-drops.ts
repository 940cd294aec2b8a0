// Kernel-side drops that would be our own fault: the per-CPU ingress backlog overflowing
// (/proc/net/softnet_stat, column 2: "dropped"; global, not per namespace). A chunk of probes during
// which this moved is re-run with a smaller window, so our overload is never reported as a finding.
import * as fs from 'fs';

export function softnetDropped(): number {
  let sum = 0;
  for (const line of fs.readFileSync('/proc/net/softnet_stat', 'utf8').trim().split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length > 1) sum += parseInt(cols[1], 16);
  }
  return sum;
}
