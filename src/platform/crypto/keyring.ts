import { randomBytes } from 'node:crypto';
import type { DataKeysRepository } from './dataKeysRepository';
import { open, seal } from './aesGcm';
import type { MasterKey } from './masterKeys';

export class KeyUnavailableError extends Error {
  override name = 'KeyUnavailableError';
}

interface CachedKeys {
  loadedAt: number;
  /** version → unwrapped data key */
  keys: Map<number, Buffer>;
  active: number;
}

/**
 * Envelope encryption: each organization has data keys (AES-256), stored only wrapped by a master key
 * from the environment. New data uses the newest version; older versions stay readable. Rotating the
 * master key re-wraps data keys without touching any ciphertext; destroying an organization's keys
 * makes everything encrypted for it unreadable, wherever copies of the ciphertext live.
 */
export class Keyring {
  private readonly cache = new Map<string, CachedKeys>();
  private readonly masterById: Map<string, MasterKey>;

  constructor(
    private readonly repo: DataKeysRepository,
    private readonly master: { current?: MasterKey; retired: MasterKey[] },
    /** Other processes may destroy or add keys; cached keys are re-read after this long. */
    private readonly cacheTtlMs = 60_000,
  ) {
    this.masterById = new Map([...master.retired, ...(master.current ? [master.current] : [])].map((k) => [k.id, k]));
  }

  /**
   * Creates version 1 for a new organization; does nothing if it already has a key. Pass a repository bound
   * to the transaction that creates the organization, so an organization never exists without its key.
   */
  async ensureDataKey(orgId: string, repo: DataKeysRepository = this.repo): Promise<void> {
    const existing = await repo.listForOrg(orgId);
    if (existing.length === 0) await this.addVersion(orgId, 1, repo);
  }

  /** Starts a new data key version: new writes use it, old ciphertext keeps decrypting with its own version. */
  async rotateDataKey(orgId: string): Promise<number> {
    const rows = await this.repo.listForOrg(orgId);
    if (rows.some((r) => r.destroyed_at)) throw new KeyUnavailableError(`keys of ${orgId} were destroyed`);
    const next = (rows.at(-1)?.version ?? 0) + 1;
    await this.addVersion(orgId, next);
    this.cache.delete(orgId);
    return next;
  }

  /** Re-wraps every live data key of the organization under the current master key. Returns how many changed. */
  async rewrap(orgId: string): Promise<number> {
    const current = this.currentMaster();
    let changed = 0;
    for (const row of await this.repo.listForOrg(orgId)) {
      if (!row.wrapped_key || row.master_key_id === current.id) continue;
      const dataKey = this.unwrap(row.org_id, row.version, row.wrapped_key, row.master_key_id);
      const rewrapped = seal(current.key, dataKey, wrapContext(orgId, row.version));
      if (await this.repo.rewrap(orgId, row.version, row.master_key_id, rewrapped, current.id)) changed++;
    }
    this.cache.delete(orgId);
    return changed;
  }

  /** Crypto-shredding: after this, nothing encrypted for the organization can be decrypted again. */
  async destroy(orgId: string): Promise<number> {
    this.cache.delete(orgId);
    return this.repo.destroyAll(orgId);
  }

  async activeKey(orgId: string): Promise<{ version: number; key: Buffer }> {
    const keys = await this.load(orgId);
    return { version: keys.active, key: keys.keys.get(keys.active)! };
  }

  async keyVersion(orgId: string, version: number): Promise<Buffer> {
    let keys = await this.load(orgId);
    if (!keys.keys.has(version)) {
      this.cache.delete(orgId); // a newer version may have been added by another process
      keys = await this.load(orgId);
    }
    const key = keys.keys.get(version);
    if (!key) throw new KeyUnavailableError(`data key v${version} of ${orgId} does not exist or was destroyed`);
    return key;
  }

  private async load(orgId: string): Promise<CachedKeys> {
    const hit = this.cache.get(orgId);
    if (hit && Date.now() - hit.loadedAt < this.cacheTtlMs) return hit;
    const rows = await this.repo.listForOrg(orgId);
    const keys = new Map<number, Buffer>();
    for (const row of rows) {
      if (row.wrapped_key) keys.set(row.version, this.unwrap(orgId, row.version, row.wrapped_key, row.master_key_id));
    }
    const active = Math.max(0, ...keys.keys());
    if (active === 0) throw new KeyUnavailableError(`organization ${orgId} has no usable data key`);
    const entry = { loadedAt: Date.now(), keys, active };
    this.cache.set(orgId, entry);
    return entry;
  }

  private async addVersion(orgId: string, version: number, repo = this.repo): Promise<void> {
    const current = this.currentMaster();
    const wrapped = seal(current.key, randomBytes(32), wrapContext(orgId, version));
    await repo.insert(orgId, version, wrapped, current.id);
  }

  private unwrap(orgId: string, version: number, wrapped: Buffer, masterKeyId: string): Buffer {
    const master = this.masterById.get(masterKeyId);
    if (!master) throw new KeyUnavailableError(`master key "${masterKeyId}" (wrapping ${orgId} v${version}) is not configured`);
    return open(master.key, wrapped, wrapContext(orgId, version));
  }

  private currentMaster(): MasterKey {
    if (!this.master.current) throw new KeyUnavailableError('MASTER_KEY is not configured');
    return this.master.current;
  }
}

function wrapContext(orgId: string, version: number): string {
  return `datakey|${orgId}|${version}`;
}
