// The oracle a campaign judges against: the model's three entry points, loaded from a module so that
// a test can run a campaign against a deliberately broken copy (a planted bug) — in the main thread
// and in the pipeline's worker thread alike.
import * as path from 'path';
import type * as model from '../../lib/model';
import { REPO_ROOT } from '../compiled-mirror';

export interface ModelApi {
  makeEnv: typeof model.makeEnv;
  initialState: typeof model.initialState;
  apply: typeof model.apply;
}

/** The true model's module. */
// Without an extension: index.ts through ts-node, index.js in the transpiled mirror (pipeline workers).
export const TRUE_MODEL_MODULE = path.resolve(__dirname, '..', '..', 'lib', 'model', 'index');

export function loadModel(modulePath: string = TRUE_MODEL_MODULE): ModelApi {
  // A model given as TypeScript source (a test's planted-bug copy) in a process that runs from the
  // transpiled mirror (the CLI does): compile it, and what it imports, through ts-node.
  if (/\.[cm]?tsx?$/.test(modulePath) && !require.extensions['.ts']) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require('ts-node').register({ transpileOnly: true, project: path.join(REPO_ROOT, 'tsconfig.json') });
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const m = require(modulePath) as Partial<ModelApi>;
  if (typeof m.makeEnv !== 'function' || typeof m.initialState !== 'function' || typeof m.apply !== 'function') {
    throw new Error(`${modulePath}: a model module must export makeEnv, initialState and apply`);
  }
  return { makeEnv: m.makeEnv, initialState: m.initialState, apply: m.apply };
}

export const TRUE_MODEL: ModelApi = loadModel();
