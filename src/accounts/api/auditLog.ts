import { z } from 'zod';
import { auditLogRepository, type AuditRow } from '../repositories/auditLog';
import { withTenant } from '../../platform/db/tenancy';
import { defineRoute } from '../../platform/http/v1/route';
import { iso, pageBody, pageOf, PageQuery, Timestamp } from '../../platform/http/v1/schemas';

const AuditEntry = z
  .object({
    id: z.string(),
    action: z.string().meta({ example: 'member.role_changed' }),
    actorType: z.enum(['user', 'api_key', 'system', 'webhook']),
    actorId: z.string().nullable(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    ip: z.string().nullable(),
    requestId: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: Timestamp,
  })
  .meta({ id: 'AuditEntry' });

const toApi = (r: AuditRow): z.input<typeof AuditEntry> => ({
  id: String(r.id),
  action: r.action,
  actorType: r.actor_type,
  actorId: r.actor_id,
  targetType: r.target_type,
  targetId: r.target_id,
  ip: r.ip,
  requestId: r.request_id,
  metadata: r.metadata,
  createdAt: iso(r.created_at)!,
});

export const auditLogRoutes = [
  defineRoute({
    method: 'get',
    path: '/audit-log',
    operationId: 'listAuditLog',
    summary: "The organization's audit log, newest first",
    tag: 'Audit log',
    access: 'admin',
    query: PageQuery.extend({ action: z.string().max(100).optional().meta({ description: 'Only this action, e.g. auth.sign_in_failed' }) }),
    response: { schema: pageOf(AuditEntry, 'AuditEntryPage'), description: 'A page of audit entries' },
    handle: ({ auth, deps, query }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const page = await auditLogRepository(trx).list(query);
        return pageBody(page, toApi);
      }),
  }),
];
