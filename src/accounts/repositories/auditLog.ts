import type { Db, Tx } from '../../platform/db/knex';
import { paginate, type Page } from '../../platform/db/pagination';

export type ActorType = 'user' | 'api_key' | 'system' | 'webhook';

export interface AuditEntry {
  orgId: string | null;
  actorType: ActorType;
  actorId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  ip?: string;
  requestId?: string;
  metadata?: Record<string, unknown>;
}

export interface AuditRow {
  id: string;
  org_id: string | null;
  actor_type: ActorType;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  request_id: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
}

/**
 * The append-only audit log. Inside `withTenant` the application role may only insert and read its own
 * organization's entries (PostgreSQL grants, not this code, forbid updates and deletes).
 */
export function auditLogRepository(db: Db | Tx) {
  return {
    async record(entry: AuditEntry): Promise<void> {
      await db('audit_log').insert({
        org_id: entry.orgId,
        actor_type: entry.actorType,
        actor_id: entry.actorId,
        action: entry.action,
        target_type: entry.targetType ?? null,
        target_id: entry.targetId ?? null,
        ip: entry.ip ?? null,
        request_id: entry.requestId ?? null,
        metadata: JSON.stringify(entry.metadata ?? {}),
      });
    },

    list(page: { cursor?: string; limit: number; action?: string }): Promise<Page<AuditRow & Record<string, unknown>>> {
      const q = db('audit_log').select('*');
      if (page.action) q.where({ action: page.action });
      return paginate(q, { column: 'id', cursor: page.cursor, limit: page.limit, pattern: /^\d{1,18}$/ });
    },
    /** Every entry, oldest first, a batch at a time (an export of the whole log). */
    async *all(batch = 1000): AsyncGenerator<AuditRow[]> {
      for (let after = 0; ; ) {
        const rows: AuditRow[] = await db('audit_log').where('id', '>', after).orderBy('id').limit(batch).select('*');
        if (rows.length === 0) return;
        yield rows;
        after = Number(rows.at(-1)!.id);
      }
    },
  };
}
