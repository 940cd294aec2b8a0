// The packetdrill corpus laid next to the checkout (../shared/packetdrill: GPL test data, read from
// there, never copied into the project). Found, in order: $SYNH_PACKETDRILL_CORPUS; shared/packetdrill
// next to this checkout; next to the repository this checkout was cloned from (a CI job's clean clone
// of a local repository lives elsewhere, e.g. in /tmp).
import { execFileSync } from 'child_process';
import { existsSync, readdirSync, statSync } from 'fs';
import { dirname, isAbsolute, join, resolve } from 'path';

const CHECKOUT = resolve(__dirname, '..', '..', '..');

function originSibling(): string | undefined {
  try {
    const url = execFileSync('git', ['-C', CHECKOUT, 'config', '--get', 'remote.origin.url'], { encoding: 'utf8' }).trim();
    const local = url.startsWith('file://') ? url.slice('file://'.length) : url;
    return isAbsolute(local) ? join(dirname(local.replace(/\/\.git\/?$/, '').replace(/\/$/, '')), 'shared', 'packetdrill') : undefined;
  } catch {
    return undefined;
  }
}

function findCorpus(): string {
  const candidates = [process.env.SYNH_PACKETDRILL_CORPUS, join(CHECKOUT, '..', 'shared', 'packetdrill'), originSibling()];
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? join(CHECKOUT, '..', 'shared', 'packetdrill');
}

export const CORPUS = findCorpus();

export function corpusScripts(dir = CORPUS): string[] {
  return readdirSync(dir)
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? corpusScripts(p) : n.endsWith('.pkt') ? [p] : [];
    })
    .sort();
}
