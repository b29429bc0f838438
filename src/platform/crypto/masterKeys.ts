import { randomBytes } from 'node:crypto';

/** A key-encryption key from the environment: it wraps every organization's data key. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/** Parses `<id>:<base64 of 32 bytes>`, the form MASTER_KEY and MASTER_KEYS_RETIRED take. */
export function parseMasterKeySpec(spec: string): MasterKey {
  const match = /^([A-Za-z0-9_.-]{1,64}):([A-Za-z0-9+/=_-]+)$/.exec(spec.trim());
  if (!match) throw new Error('must look like <id>:<base64 of 32 random bytes>');
  const key = Buffer.from(match[2]!, 'base64');
  if (key.length !== 32) throw new Error(`key "${match[1]}" must decode to 32 bytes, got ${key.length}`);
  return { id: match[1]!, key };
}

export function generateMasterKeySpec(id = `k${Date.now().toString(36)}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}
