// Worker-thread entry. The worker proper is normally the precompiled JavaScript of the transpiled
// mirror (harness/compiled-mirror.js): no TypeScript compilation in the worker, so it is ready in a
// fraction of a second. ts-node is registered only when something TypeScript must be loaded as source
// (a model module given as a .ts file, or no mirror).
const { workerData } = require('worker_threads');
if (workerData.tsNode) require('ts-node').register({ transpileOnly: true, project: workerData.tsconfig });
require(workerData.entry);
