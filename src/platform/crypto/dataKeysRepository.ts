import type { Db } from '../db/knex';

export interface DataKeyRow {
  org_id: string;
  version: number;
  wrapped_key: Buffer | null;
  master_key_id: string;
  destroyed_at: Date | null;
}

/**
 * Wrapped data keys. Read and written by the key service only, as the owner role: encryption needs the
 * key before any tenant-scoped transaction exists (e.g. inside an activity).
 */
export function dataKeysRepository(db: Db) {
  return {
    async listForOrg(orgId: string): Promise<DataKeyRow[]> {
      return db<DataKeyRow>('org_data_keys').where({ org_id: orgId }).orderBy('version', 'asc');
    },

    async insert(orgId: string, version: number, wrappedKey: Buffer, masterKeyId: string): Promise<boolean> {
      const inserted = await db('org_data_keys')
        .insert({ org_id: orgId, version, wrapped_key: wrappedKey, master_key_id: masterKeyId })
        .onConflict(['org_id', 'version'])
        .ignore()
        .returning('version');
      return inserted.length === 1;
    },

    async rewrap(orgId: string, version: number, fromMasterKeyId: string, wrappedKey: Buffer, masterKeyId: string): Promise<boolean> {
      // Compare-and-set on the old master key id: two concurrent rotations cannot clobber each other.
      const n = await db('org_data_keys')
        .where({ org_id: orgId, version, master_key_id: fromMasterKeyId })
        .whereNotNull('wrapped_key')
        .update({ wrapped_key: wrappedKey, master_key_id: masterKeyId, rewrapped_at: db.fn.now() });
      return n === 1;
    },

    async destroyAll(orgId: string): Promise<number> {
      return db('org_data_keys')
        .where({ org_id: orgId })
        .whereNotNull('wrapped_key')
        .update({ wrapped_key: null, destroyed_at: db.fn.now() });
    },

    /** Organizations with at least one live key not wrapped by `masterKeyId`, in id order after `afterOrgId`. */
    async orgsNeedingRewrap(masterKeyId: string, afterOrgId: string, limit: number): Promise<string[]> {
      const rows = await db('org_data_keys')
        .distinct('org_id')
        .whereNot({ master_key_id: masterKeyId })
        .whereNotNull('wrapped_key')
        .where('org_id', '>', afterOrgId)
        .orderBy('org_id')
        .limit(limit);
      return rows.map((r: { org_id: string }) => r.org_id);
    },
  };
}

export type DataKeysRepository = ReturnType<typeof dataKeysRepository>;
