import type { EphemeralServerExecutable } from '@temporalio/testing';
import { resolveGoBinary } from '../tools/goBinary';

/**
 * The Temporal CLI release we build. v1.5.1 is the newest whose go.mod `go install module@version`
 * accepts (from v1.6.0 the CLI's go.mod carries a replace directive); it bundles server 1.29 and the UI.
 */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI = { name: 'temporal', module: 'github.com/temporalio/cli/cmd/temporal', version: TEMPORAL_CLI_VERSION };

export interface CliResolution {
  executable: EphemeralServerExecutable;
  /** How it was found, for the start-up log. */
  source: 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go install' | 'sdk download';
}

/**
 * Finds the Temporal CLI: TEMPORAL_CLI if set; else `temporal` on PATH; else the cached build; else builds
 * it with `go install` (≈4 min on 2 cores, once per machine); else, without Go, lets the Temporal SDK
 * download its own copy.
 */
export function resolveTemporalCli(explicit: string | undefined, log: (line: string) => void = () => undefined): CliResolution {
  const found = resolveGoBinary(TEMPORAL_CLI, explicit, log);
  if (!found) {
    log('No Temporal CLI and no Go toolchain: the Temporal SDK will download the CLI.');
    return { executable: { type: 'cached-download' }, source: 'sdk download' };
  }
  return { executable: { type: 'existing-path', path: found.path }, source: found.source === 'explicit' ? 'TEMPORAL_CLI' : found.source };
}
