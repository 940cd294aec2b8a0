// The first import of every process entry (CLI, runner worker, DUT agent, fuzz pipeline worker): the
// run's V8 flags (v8-flags.ts) apply first, then a process running from the compiled mirror compiles
// the mirror's modules with V8 code caches made under those flags (code-cache.ts). Through ts-node (the
// sources) the code cache changes nothing. SYNH_NO_CODE_CACHE=1 turns it off.
import * as fs from 'fs';
import * as path from 'path';
import { installCodeCache } from './code-cache';
import { applyV8Flags, v8Flags } from './v8-flags';

applyV8Flags();
const root = path.resolve(__dirname, '..', '..');
if (!process.env.SYNH_NO_CODE_CACHE && fs.existsSync(path.join(root, '.complete'))) installCodeCache(root, v8Flags());
