import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateMasterKeySpec, parseMasterKeySpec, type MasterKey } from './masterKeys';

/**
 * Outside production, a missing MASTER_KEY or SESSION_SECRET falls back to one generated once into the data
 * folder, so `npm run dev` needs no set-up, its encrypted data survives restarts and its sign-ins outlive a
 * restart. Production must set both (checked by the configuration).
 */
export function loadOrCreateDevMasterKey(dataDir: string): MasterKey {
  return parseMasterKeySpec(readOrCreate(dataDir, 'master.key', () => generateMasterKeySpec('dev1')));
}

export function loadOrCreateDevSessionSecret(dataDir: string): string {
  return readOrCreate(dataDir, 'session.secret', () => randomBytes(32).toString('base64url'));
}

function readOrCreate(dataDir: string, name: string, generate: () => string): string {
  const file = path.join(dataDir, name);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process (the API and worker start together) wrote it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return readFileSync(file, 'utf8').trim();
}
