// The pure half of the fuzz campaigns. File I/O lives in campaign-load.ts (reading campaigns) and
// checkpoint.ts (checkpoints, atomic writes); import those directly.
export * from './probe';
export * from './campaign';
export * from './generate';
export * from './signature';
export * from './minimize';
export * from './repro';
export * from './coverage';
export { randomSyn, DEFAULT_WEIGHTS } from './syn-generator';
export type { SynShape, SynGeneratorWeights } from './syn-generator';
export { genListener } from './gen-listener';
export { genRequest } from './gen-request';
export { genSynSent } from './gen-synsent';
export { genEstablished } from './gen-established';
