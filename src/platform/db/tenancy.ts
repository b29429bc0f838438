import type { Db, Tx } from './knex';

/**
 * The role every tenant-scoped query runs as. Row-level security policies apply to it and are keyed by
 * the transaction-local setting `app.org_id`; the connecting (owner) role is used only for system work
 * that is tenant-agnostic by nature: migrations, resolving a phone number to its organization, sweeps.
 */
export const APP_ROLE = 'callgenly_app';
export const TENANT_SETTING = 'app.org_id';

/**
 * No tenant transaction waits long on a row lock (two callers contending for a slot) or sits idle while
 * its caller is stuck: either fails it, so its activity retries instead of pinning a pooled connection.
 */
export const LOCK_TIMEOUT = '5s';
export const IDLE_IN_TRANSACTION_TIMEOUT = '30s';

/**
 * Runs `fn` in a transaction that can only see and change one organization's rows. The role switch and
 * the tenant id are both transaction-local, so a pooled connection never carries them to the next user.
 */
export function withTenant<T>(db: Db, orgId: string, fn: (trx: Tx) => Promise<T>): Promise<T> {
  if (!orgId) throw new Error('withTenant needs an organization id');
  return db.transaction(async (trx) => {
    await trx.raw(
      `select set_config('role', ?, true), set_config(?, ?, true), set_config('lock_timeout', ?, true),
              set_config('idle_in_transaction_session_timeout', ?, true)`,
      [APP_ROLE, TENANT_SETTING, orgId, LOCK_TIMEOUT, IDLE_IN_TRANSACTION_TIMEOUT],
    );
    return fn(trx);
  });
}
