// Types of harness/compiled-mirror.js (plain JavaScript so that bin/synh can load it without ts-node).

/** The checkout (also when the calling module runs from a mirror, which records where it came from). */
export declare const REPO_ROOT: string;

/**
 * The mirror directory, built if needed: a runner worker runs as <mirror>/harness/runner/worker.js, an
 * agent as <mirror>/harness/agent/agent-main.js. Hashed once per process; a process already running
 * from a mirror gets its own.
 */
export declare function compiledMirror(): string;
