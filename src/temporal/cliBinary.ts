import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing';
import { PROJECT_ROOT } from '../config';

/**
 * The Temporal CLI release we build. v1.5.1 is the newest whose go.mod `go install module@version`
 * accepts (from v1.6.0 the CLI's go.mod carries a replace directive); it bundles server 1.29 and the UI.
 */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** The project's ignored cache folder; a link to the per-user build so fresh clones reuse one build. */
const projectBinary = path.join(PROJECT_ROOT, '.cache', `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
function userBinary(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'callgenly', `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

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
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI points at ${explicit}, which is not an executable file`);
    return existing(explicit, 'TEMPORAL_CLI');
  }
  const onPath = which('temporal');
  if (onPath) return existing(onPath, 'PATH');
  for (const candidate of [projectBinary, userBinary()]) {
    if (isExecutable(candidate)) {
      linkIntoProject(candidate);
      return existing(candidate, 'cache');
    }
  }
  if (which('go')) {
    const target = userBinary();
    log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (once per machine, a few minutes)...`);
    buildWithGo(target);
    linkIntoProject(target);
    return existing(target, 'go install');
  }
  log('No Temporal CLI and no Go toolchain: the Temporal SDK will download the CLI.');
  return { executable: { type: 'cached-download' }, source: 'sdk download' };
}

function buildWithGo(target: string): void {
  const dir = path.dirname(target);
  mkdirSync(dir, { recursive: true });
  // Build into a private folder and rename: concurrent callers (tests and dev) never see half a binary.
  const staging = mkdtempSync(path.join(dir, '.build-'));
  try {
    const result = spawnSync('go', ['install', `${MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`go install ${MODULE}@${TEMPORAL_CLI_VERSION} failed (exit ${result.status})`);
    renameSync(path.join(staging, 'temporal'), target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function linkIntoProject(binary: string): void {
  if (binary === projectBinary || existsSync(projectBinary)) return;
  try {
    mkdirSync(path.dirname(projectBinary), { recursive: true });
    symlinkSync(binary, projectBinary);
  } catch {
    // Only a convenience for finding the binary; the per-user cache is the source of truth.
  }
}

function existing(p: string, source: CliResolution['source']): CliResolution {
  return { executable: { type: 'existing-path', path: p }, source };
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function which(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
