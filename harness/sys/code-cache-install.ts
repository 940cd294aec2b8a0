// The first import of every process entry (CLI, runner worker, DUT agent, fuzz pipeline worker): a
// process running from the compiled mirror compiles the mirror's modules with V8 code caches
// (code-cache.ts). Through ts-node (the sources) nothing changes. SYNH_NO_CODE_CACHE=1 turns it off.
import * as fs from 'fs';
import * as path from 'path';
import { installCodeCache } from './code-cache';

const root = path.resolve(__dirname, '..', '..');
if (!process.env.SYNH_NO_CODE_CACHE && fs.existsSync(path.join(root, '.complete'))) installCodeCache(root);
