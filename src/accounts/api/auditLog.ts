import { z } from 'zod';
import { auditLogRepository, type AuditRow } from '../repositories/auditLog';
import { withTenant } from '../../platform/db/tenancy';
import { defineRoute } from '../../platform/http/v1/route';
import { iso, pageBody, pageOf, PageQuery, Timestamp } from '../../platform/http/v1/schemas';
import { audit } from '../../platform/http/v1/audit';
import { toCsv } from '../../privacy/csv';

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

  defineRoute({
    method: 'get',
    path: '/audit-log/export',
    operationId: 'exportAuditLog',
    summary: "The whole audit log as CSV, oldest first, for the organization's owner (evidence for a HIPAA or other review); the export is itself audited",
    tag: 'Audit log',
    access: 'owner',
    raw: true,
    file: { contentType: 'text/csv', description: 'One row per entry: id, time, action, actor, target, IP, request id and metadata as JSON' },
    async handle({ auth, deps, req, res }) {
      const columns = ['id', 'created_at', 'action', 'actor_type', 'actor_id', 'target_type', 'target_id', 'ip', 'request_id', 'metadata'];
      const csv = await withTenant(deps.db, auth.orgId, async (trx) => {
        // The export is recorded first, so it is in the file too.
        await audit(trx, req, auth, { action: 'audit_log.exported', targetType: 'organization', targetId: auth.orgId });
        const entries: Array<Record<string, unknown>> = [];
        for await (const rows of auditLogRepository(trx).all()) entries.push(...rows.map((r) => ({ ...r, created_at: iso(r.created_at), metadata: JSON.stringify(r.metadata) })));
        return toCsv(columns, entries);
      });
      res
        .status(200)
        .set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="callgenly-audit-log-${auth.orgId}.csv"`, 'Cache-Control': 'no-store' })
        .send(csv);
    },
  }),
];
