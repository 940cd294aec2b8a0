// The oracle a campaign judges against: the model's three entry points, loaded from a module so that
// a test can run a campaign against a deliberately broken copy (a planted bug) — in the main thread
// and in the pipeline's worker thread alike.
import * as path from 'path';
import type * as model from '../../lib/model';

export interface ModelApi {
  makeEnv: typeof model.makeEnv;
  initialState: typeof model.initialState;
  apply: typeof model.apply;
}

/** The true model's module. */
export const TRUE_MODEL_MODULE = path.resolve(__dirname, '..', '..', 'lib', 'model', 'index.ts');

export function loadModel(modulePath: string = TRUE_MODEL_MODULE): ModelApi {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const m = require(modulePath) as Partial<ModelApi>;
  if (typeof m.makeEnv !== 'function' || typeof m.initialState !== 'function' || typeof m.apply !== 'function') {
    throw new Error(`${modulePath}: a model module must export makeEnv, initialState and apply`);
  }
  return { makeEnv: m.makeEnv, initialState: m.initialState, apply: m.apply };
}

export const TRUE_MODEL: ModelApi = loadModel();
