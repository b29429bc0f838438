import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `cg_live_3f9a1c2b7d4e_<64 hex>`: the prefix (shown in lists, unique, used to find the
 * row) and a 256-bit secret. Only a SHA-256 of the secret is stored; a slow hash adds nothing at that entropy.
 */
const PATTERN = /^(cg_live_[0-9a-f]{12})_([0-9a-f]{64})$/;

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = `cg_live_${randomBytes(6).toString('hex')}`;
  const secret = randomBytes(32).toString('hex');
  return { key: `${prefix}_${secret}`, prefix, hash: hashSecret(secret) };
}

export function parseApiKey(key: string): { prefix: string; secret: string } | undefined {
  const match = PATTERN.exec(key.trim());
  return match ? { prefix: match[1]!, secret: match[2]! } : undefined;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
