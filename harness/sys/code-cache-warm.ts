// A process that makes the mirror's code cache entries under the run's V8 flags (SYNH_V8_FLAGS), for
// a guest that will run with them (guest/run-in-guest.ts): `node <mirror>/harness/sys/code-cache-warm.js`.
import './code-cache-install';
import * as path from 'path';
import { warmCodeCache } from './code-cache';
import { v8Flags } from './v8-flags';

warmCodeCache(path.resolve(__dirname, '..', '..'), v8Flags());
