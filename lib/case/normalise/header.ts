// The case's header: its name (or the default from the file's path), address families, spec
// sections, kernel gate and DUT sysctls. Pure.
import { CASE_NAME_RE, caseNameFromPath } from '../case-name';
import type { CaseRaw } from '../schema';
import type { CaseFile } from '../types';
import type { Problem } from './context';
import { DEFAULT_IP } from './defaults';
import { sysctlEntries } from '../sysctl-check';

export type Header = Pick<CaseFile, 'name' | 'description' | 'spec' | 'kernel' | 'families' | 'sysctls'> & {
  ip: 4 | 6 | 'both';
  /** 'ip: 4', 'ip: both' — as messages say it */
  ipName: string;
};

export function normaliseHeader(raw: CaseRaw, file: string, problem: Problem): Header {
  const name = raw.name ?? caseNameFromPath(file);
  if (!CASE_NAME_RE.test(name)) {
    problem([], `the case has no name: and its file's path gives '${name}', which is not kebab-case — add name: (e.g. name: my-case) or rename the file`);
  }
  const ip = raw.ip ?? DEFAULT_IP;
  return {
    name,
    description: raw.description,
    ip,
    families: ip === 'both' ? [4, 6] : [ip],
    ipName: ip === 'both' ? 'ip: both' : `ip: ${ip}`,
    spec: Array.isArray(raw.spec) ? raw.spec : [raw.spec],
    kernel: raw.kernel ?? { text: '*', anyOf: [] },
    sysctls: sysctlEntries(raw.sysctls ?? {}, ['sysctls'], problem),
  };
}
