// Worker-thread entry: TypeScript through ts-node (transpile only), then the worker proper.
require('ts-node').register({ transpileOnly: true, project: require('path').join(__dirname, '..', '..', 'tsconfig.json') });
require('./pipeline-worker.ts');
