// The packetdrill corpus laid next to the checkout (../shared/packetdrill: GPL test data, read from
// there, never copied into the project).
import { readdirSync, statSync } from 'fs';
import { join } from 'path';

export const CORPUS = join(__dirname, '..', '..', '..', '..', 'shared', 'packetdrill');

export function corpusScripts(dir = CORPUS): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? corpusScripts(p) : n.endsWith('.pkt') ? [p] : [];
  }).sort();
}

