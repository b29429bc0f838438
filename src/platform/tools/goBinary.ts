import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../config';

/** A command-line tool we build from the Go module proxy when the machine does not have it. */
export interface GoTool {
  /** The binary's name (on PATH, and as `go install` names it). */
  name: string;
  module: string;
  version: string;
  /** The name `go install` gives the binary, when it is not `name` (a generic `server`, say). */
  installedAs?: string;
}

export type GoBinarySource = 'explicit' | 'PATH' | 'cache' | 'go install';

/**
 * Finds a Go tool: `explicit` if given; else on PATH; else the per-user cached build (linked into the
 * project's ignored `.cache/` so fresh clones reuse it); else builds the pinned version with `go install`
 * (once per machine). Undefined when none of those is possible (no Go).
 */
export function resolveGoBinary(tool: GoTool, explicit: string | undefined, log: (line: string) => void = () => undefined): { path: string; source: GoBinarySource } | undefined {
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${explicit} (given for ${tool.name}) is not an executable file`);
    return { path: explicit, source: 'explicit' };
  }
  const onPath = which(tool.name);
  if (onPath) return { path: onPath, source: 'PATH' };
  const projectBinary = path.join(PROJECT_ROOT, '.cache', `${tool.name}-${tool.version}`, tool.name);
  const userBinary = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'callgenly', `${tool.name}-${tool.version}`, tool.name);
  for (const candidate of [projectBinary, userBinary]) {
    if (isExecutable(candidate)) {
      linkInto(projectBinary, candidate);
      return { path: candidate, source: 'cache' };
    }
  }
  if (!which('go')) return undefined;
  log(`Building ${tool.name} ${tool.version} with go install (once per machine)...`);
  buildWithGo(tool, userBinary);
  linkInto(projectBinary, userBinary);
  return { path: userBinary, source: 'go install' };
}

function buildWithGo(tool: GoTool, target: string): void {
  const dir = path.dirname(target);
  mkdirSync(dir, { recursive: true });
  // Build into a private folder and rename: concurrent callers (tests and dev) never see half a binary.
  const staging = mkdtempSync(path.join(dir, '.build-'));
  try {
    const result = spawnSync('go', ['install', `${tool.module}@${tool.version}`], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`go install ${tool.module}@${tool.version} failed (exit ${result.status})`);
    renameSync(path.join(staging, tool.installedAs ?? tool.name), target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function linkInto(link: string, binary: string): void {
  if (binary === link || existsSync(link)) return;
  try {
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(binary, link);
  } catch {
    // Only a convenience for finding the binary; the per-user cache is the source of truth.
  }
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
