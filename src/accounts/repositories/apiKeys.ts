import type { Db, Tx } from '../../platform/db/knex';
import { newId } from '../../platform/db/ids';
import { paginate, type Page } from '../../platform/db/pagination';

export interface ApiKeyRow {
  id: string;
  org_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_by_user_id: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** An organization's API keys, inside `withTenant`. */
export function apiKeysRepository(trx: Tx) {
  return {
    async create(input: { orgId: string; name: string; prefix: string; hash: string; createdBy: string | null }): Promise<ApiKeyRow> {
      const [row] = await trx<ApiKeyRow>('api_keys')
        .insert({ id: newId('key'), org_id: input.orgId, name: input.name, prefix: input.prefix, key_hash: input.hash, created_by_user_id: input.createdBy })
        .returning('*');
      return row!;
    },

    list(page: { cursor?: string; limit: number }): Promise<Page<ApiKeyRow & Record<string, unknown>>> {
      return paginate(trx('api_keys').select('*'), { column: 'id', ...page });
    },

    find(id: string): Promise<ApiKeyRow | undefined> {
      return trx<ApiKeyRow>('api_keys').where({ id }).first();
    },

    revoke(id: string): Promise<number> {
      return trx('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
    },
  };
}

/** Resolving a presented key to its organization happens before any tenant is known: owner role. */
export function apiKeyLookup(db: Db) {
  return {
    findByPrefix(prefix: string): Promise<ApiKeyRow | undefined> {
      return db<ApiKeyRow>('api_keys').where({ prefix }).first();
    },

    /** At most one write a minute per key, not one per request. */
    touch(id: string): Promise<number> {
      return db('api_keys')
        .where({ id })
        .where((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', db.raw(`now() - interval '1 minute'`)))
        .update({ last_used_at: db.fn.now() });
    },
  };
}
