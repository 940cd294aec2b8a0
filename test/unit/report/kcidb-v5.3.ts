// A checker for KCIDB I/O schema v5.3 submissions, written from the field list published in
// kernelci/kcidb-io (kcidb_io/schema/v05_03.py): every object's allowed fields with their types,
// the required ones, the id/origin/path/status/log_excerpt rules, no nulls anywhere. Only the
// objects synharness writes (version, checkouts, builds, tests) are checked in depth; issues and
// incidents only as arrays. Returns the problems as "where: what" lines (empty: valid).

type Kind =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'object'
  | 'array'
  | 'date-time'
  | 'uri'
  | 'email'
  | 'id'
  | 'origin'
  | 'status'
  | 'path'
  | 'excerpt'
  | 'resources'
  | 'environment'
  | 'number-output'
  | 'strings';

const ORIGIN = /^[a-z0-9_]+$/;
const ORIGIN_ID = /^[a-z0-9_]+:.*$/;
const PATH = /^$|^[^.\0]+(\.[^.\0]+)*$/;
const STATUSES = ['FAIL', 'ERROR', 'MISS', 'PASS', 'DONE', 'SKIP'];
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const CHECKOUT: Record<string, Kind> = {
  _timestamp: 'date-time',
  id: 'id',
  origin: 'origin',
  tree_name: 'string',
  git_repository_url: 'uri',
  git_commit_hash: 'string',
  git_commit_name: 'string',
  git_commit_tags: 'strings',
  git_commit_message: 'string',
  git_repository_branch: 'string',
  git_repository_branch_tip: 'boolean',
  patchset_files: 'resources',
  patchset_hash: 'string',
  message_id: 'email',
  comment: 'string',
  start_time: 'date-time',
  origin_builds_finish_time: 'date-time',
  origin_tests_finish_time: 'date-time',
  log_url: 'uri',
  log_excerpt: 'excerpt',
  valid: 'boolean',
  misc: 'object',
};
const BUILD: Record<string, Kind> = {
  _timestamp: 'date-time',
  checkout_id: 'id',
  id: 'id',
  origin: 'origin',
  comment: 'string',
  start_time: 'date-time',
  duration: 'number',
  architecture: 'string',
  command: 'string',
  compiler: 'string',
  input_files: 'resources',
  output_files: 'resources',
  config_name: 'string',
  config_url: 'uri',
  log_url: 'uri',
  log_excerpt: 'excerpt',
  status: 'status',
  misc: 'object',
};
const TEST: Record<string, Kind> = {
  _timestamp: 'date-time',
  build_id: 'id',
  id: 'id',
  origin: 'origin',
  environment: 'environment',
  path: 'path',
  comment: 'string',
  log_url: 'uri',
  log_excerpt: 'excerpt',
  status: 'status',
  number: 'number-output',
  start_time: 'date-time',
  duration: 'number',
  input_files: 'resources',
  output_files: 'resources',
  misc: 'object',
};
const REQUIRED: Record<string, string[]> = {
  checkouts: ['id', 'origin'],
  builds: ['checkout_id', 'id', 'origin'],
  tests: ['build_id', 'id', 'origin'],
};
const OBJECTS: Record<string, Record<string, Kind>> = { checkouts: CHECKOUT, builds: BUILD, tests: TEST };

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function noNulls(v: unknown, at: string, out: string[]): void {
  if (v === null) out.push(`${at}: null (no property can be null)`);
  else if (Array.isArray(v)) v.forEach((x, i) => noNulls(x, `${at}[${i}]`, out));
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) noNulls(x, `${at}.${k}`, out);
}

function checkValue(kind: Kind, v: unknown, at: string, out: string[]): void {
  const str = (re?: RegExp, what?: string): void => {
    if (typeof v !== 'string') out.push(`${at}: not a string`);
    else if (v.includes('\0')) out.push(`${at}: contains NUL`);
    else if (re && !re.test(v)) out.push(`${at}: ${JSON.stringify(v)} is not ${what}`);
  };
  switch (kind) {
    case 'string':
      return str();
    case 'id':
      return str(ORIGIN_ID, 'origin:local-id');
    case 'origin':
      return str(ORIGIN, 'an origin name ([a-z0-9_]+)');
    case 'path':
      return str(PATH, 'a dot-separated path');
    case 'date-time':
      return str(DATE_TIME, 'an RFC 3339 date-time');
    case 'uri':
      return str(/^[a-z][a-z0-9+.-]*:\S+$/, 'a URI');
    case 'email':
      return str(/^[^@\s]+@[^@\s]+$/, 'an e-mail address');
    case 'status':
      if (typeof v !== 'string' || !STATUSES.includes(v)) out.push(`${at}: ${JSON.stringify(v)} is not one of ${STATUSES.join(' ')}`);
      return;
    case 'excerpt':
      str();
      if (typeof v === 'string' && Array.from(v).length > 16384) out.push(`${at}: longer than 16384 characters`);
      return;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) out.push(`${at}: not a number`);
      return;
    case 'integer':
      if (!Number.isInteger(v)) out.push(`${at}: not an integer`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') out.push(`${at}: not a boolean`);
      return;
    case 'object':
      if (!isObj(v)) out.push(`${at}: not an object`);
      return;
    case 'array':
      if (!Array.isArray(v)) out.push(`${at}: not an array`);
      return;
    case 'strings':
      if (!Array.isArray(v)) out.push(`${at}: not an array`);
      else v.forEach((x, i) => checkValue('string', x, `${at}[${i}]`, out));
      return;
    case 'resources':
      if (!Array.isArray(v)) {
        out.push(`${at}: not an array`);
        return;
      }
      v.forEach((r, i) => checkFields(r, { name: 'string', url: 'uri' }, ['name', 'url'], `${at}[${i}]`, out));
      return;
    case 'environment':
      checkFields(v, { compatible: 'strings', comment: 'string', misc: 'object' }, [], at, out);
      return;
    case 'number-output':
      checkFields(v, { value: 'number', unit: 'string', prefix: 'string' }, ['value'], at, out);
      return;
  }
}

function checkFields(o: unknown, fields: Record<string, Kind>, required: string[], at: string, out: string[]): void {
  if (!isObj(o)) {
    out.push(`${at}: not an object`);
    return;
  }
  for (const k of required) if (!(k in o)) out.push(`${at}: required field ${k} missing`);
  for (const [k, v] of Object.entries(o)) {
    const kind = fields[k];
    if (!kind) out.push(`${at}: unknown field ${k} (additional properties are not allowed)`);
    else checkValue(kind, v, `${at}.${k}`, out);
  }
}

/** Problems of `data` as a KCIDB v5.3 submission. */
export function kcidbV53Problems(data: unknown): string[] {
  const out: string[] = [];
  noNulls(data, '$', out);
  if (!isObj(data)) return [...out, '$: not an object'];
  const allowed = new Set(['version', 'checkouts', 'builds', 'tests', 'issues', 'incidents']);
  for (const k of Object.keys(data)) if (!allowed.has(k)) out.push(`$: unknown field ${k}`);
  const v = data.version;
  if (!isObj(v)) out.push('$.version: required object missing');
  else {
    checkFields(v, { major: 'integer', minor: 'integer' }, ['major'], '$.version', out);
    if (v.major !== 5) out.push(`$.version.major: ${String(v.major)}, v5 wants 5`);
    if (typeof v.minor === 'number' && (v.minor < 0 || v.minor > 3)) out.push(`$.version.minor: ${v.minor} is outside 0..3`);
  }
  for (const [list, fields] of Object.entries(OBJECTS)) {
    const l = data[list];
    if (l === undefined) continue;
    if (!Array.isArray(l)) {
      out.push(`$.${list}: not an array`);
      continue;
    }
    l.forEach((o, i) => checkFields(o, fields, REQUIRED[list], `$.${list}[${i}]`, out));
  }
  for (const list of ['issues', 'incidents']) if (data[list] !== undefined && !Array.isArray(data[list])) out.push(`$.${list}: not an array`);
  return out;
}
