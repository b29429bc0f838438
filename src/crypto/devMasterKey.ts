import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateMasterKeySpec, parseMasterKeySpec, type MasterKey } from './masterKeys';

/**
 * Outside production, a missing MASTER_KEY falls back to one generated once into the data folder, so
 * `npm run dev` needs no set-up and its encrypted data survives restarts. Production must set MASTER_KEY.
 */
export function loadOrCreateDevMasterKey(dataDir: string): MasterKey {
  const file = path.join(dataDir, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${generateMasterKeySpec('dev1')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return parseMasterKeySpec(readFileSync(file, 'utf8'));
}
