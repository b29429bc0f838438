import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { hasRole } from '../../accounts/auth/roles';
import { newId } from '../../platform/db/ids';
import { withTenant } from '../../platform/db/tenancy';
import { EXPORT_CONTEXT } from '../../../activities/privacy/dataRequests';
import { callerErasureWorkflowId, dataExportWorkflowId, type CallerErasureInput, type DataExportInput } from '../../../workflows/privacy/dataRequestDefinitions';
import { OrgId } from '../../../workflows/platform/searchAttributes';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import type { V1Deps } from '../../platform/http/v1/deps';
import { defineRoute } from '../../platform/http/v1/route';
import { idOf, iso, PhoneNumber, Timestamp } from '../../platform/http/v1/schemas';
import type { AuthContext } from '../../accounts/auth/context';

const DataRequest = z
  .object({
    id: z.string(),
    kind: z.enum(['export', 'erasure']),
    scope: z.enum(['organization', 'user', 'caller']),
    status: z.enum(['pending', 'ready', 'downloaded', 'expired', 'completed', 'failed']),
    result: z.record(z.string(), z.unknown()).meta({ description: 'Records per kind in the export, or what an erasure removed' }),
    archiveBytes: z.number().int().nullable(),
    expiresAt: Timestamp.nullable().meta({ description: "When an export's download link stops working" }),
    createdAt: Timestamp,
    completedAt: Timestamp.nullable(),
  })
  .meta({ id: 'DataRequest' });

const toDataRequest = (r: Record<string, any>): z.input<typeof DataRequest> => ({
  id: r.id,
  kind: r.kind,
  scope: r.scope,
  status: r.status,
  result: r.result,
  archiveBytes: r.archive_bytes,
  expiresAt: iso(r.expires_at),
  createdAt: iso(r.created_at)!,
  completedAt: iso(r.completed_at),
});

const ExportBody = z.discriminatedUnion('scope', [
  z.object({ scope: z.literal('organization') }).meta({ description: "The whole organization's data (owners)" }),
  z.object({ scope: z.literal('user') }).meta({ description: 'Your own data' }),
  z.object({ scope: z.literal('caller'), number: PhoneNumber }).meta({ description: 'Everything about one caller (admins; a data-subject access request)' }),
]);

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Records the request (the app role may only read the table) and its audit entry together. */
async function recordRequest(deps: V1Deps, req: Parameters<typeof audit>[1], auth: AuthContext, row: { kind: 'export' | 'erasure'; scope: string; subject: string | null }) {
  const id = newId('dsr');
  await deps.db.transaction(async (trx) => {
    await trx('data_requests').insert({ id, org_id: auth.orgId, kind: row.kind, scope: row.scope, subject: row.subject, subject_hash: row.subject ? sha256(row.subject).toString('hex') : null, requested_by: auth.userId });
    await audit(trx, req, auth, { action: row.kind === 'export' ? 'privacy.export_requested' : 'privacy.caller_erasure_requested', targetType: 'data_request', targetId: id, metadata: { scope: row.scope } });
  });
  return id;
}

export const dataRequestRoutes = [
  defineRoute({
    method: 'post',
    path: '/exports',
    operationId: 'requestExport',
    summary: 'Export data as a portable archive (JSON per kind, CSV for calls and appointments); the link arrives by email',
    tag: 'Privacy',
    access: 'member',
    body: ExportBody,
    response: { status: 202, schema: DataRequest, description: 'Being built' },
    async handle({ auth, body, deps, req }) {
      // The link goes to the requester's email: a person asks, never an API key.
      if (auth.kind !== 'session') throw new ApiError(403, 'session_required', 'Exports are requested from a signed-in session; the link is emailed to you');
      if (body.scope === 'organization' && !hasRole(auth.role, 'owner')) throw new ApiError(403, 'forbidden', "Only an owner can export the whole organization's data");
      if (body.scope === 'caller' && !hasRole(auth.role, 'admin')) throw new ApiError(403, 'forbidden', "A caller's data is exported by an admin");
      const subject = body.scope === 'user' ? auth.userId : body.scope === 'caller' ? body.number : null;
      const id = await recordRequest(deps, req, auth, { kind: 'export', scope: body.scope, subject });
      const input: DataExportInput = { requestId: id, orgId: auth.orgId, linkTtlMs: deps.config.exports.linkTtlMs };
      await deps.temporal.workflow.start('dataExportWorkflow', { workflowId: dataExportWorkflowId(id), taskQueue: deps.config.temporal.taskQueue, args: [input], typedSearchAttributes: [{ key: OrgId, value: auth.orgId }] });
      return withTenant(deps.db, auth.orgId, async (trx) => toDataRequest(await trx('data_requests').where({ id }).first()));
    },
  }),

  defineRoute({
    method: 'post',
    path: '/caller-erasures',
    operationId: 'eraseCaller',
    summary: 'Erase everything the organization holds about one caller number (a data-subject erasure request)',
    tag: 'Privacy',
    access: 'admin',
    body: z.object({ number: PhoneNumber }),
    response: { status: 202, schema: DataRequest, description: 'Erasing' },
    async handle({ auth, body, deps, req }) {
      const id = await recordRequest(deps, req, auth, { kind: 'erasure', scope: 'caller', subject: body.number });
      const input: CallerErasureInput = { requestId: id, orgId: auth.orgId };
      await deps.temporal.workflow.start('callerErasureWorkflow', { workflowId: callerErasureWorkflowId(id), taskQueue: deps.config.temporal.taskQueue, args: [input], typedSearchAttributes: [{ key: OrgId, value: auth.orgId }] });
      return withTenant(deps.db, auth.orgId, async (trx) => toDataRequest(await trx('data_requests').where({ id }).first()));
    },
  }),

  defineRoute({
    method: 'get',
    path: '/data-requests/{requestId}',
    operationId: 'getDataRequest',
    summary: 'An export or erasure: its status and result (yours, or any in the organization for admins)',
    tag: 'Privacy',
    access: 'member',
    params: z.object({ requestId: idOf('dsr') }),
    response: { schema: DataRequest, description: 'The request' },
    errors: [404],
    handle: ({ auth, deps, params }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const row = await trx('data_requests')
          .where({ id: params.requestId })
          .modify((q) => void (hasRole(auth.role, 'admin') ? q : q.where({ requested_by: auth.userId })))
          .first();
        if (!row) throw new ApiError(404, 'not_found', 'No such request');
        return toDataRequest(row);
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/exports/{requestId}/download',
    operationId: 'downloadExport',
    summary: 'Download an export once, with the token from its link (the download is audited)',
    tag: 'Privacy',
    access: 'public',
    raw: true,
    file: { contentType: 'application/zip', description: 'The archive' },
    params: z.object({ requestId: idOf('dsr') }),
    query: z.object({ token: z.string().max(200).optional() }),
    errors: [404, 410],
    async handle({ deps, params, query, req, res }) {
      // The link is the credential: a wrong token, like an unknown request, is simply not found.
      const row = await deps.db('data_requests').where({ id: params.requestId, kind: 'export' }).first();
      const matches = row?.token_hash && query.token && timingSafeEqual(Buffer.from(row.token_hash, 'hex'), sha256(query.token));
      if (!row || !matches) throw new ApiError(404, 'not_found', 'No such export');
      if (row.status !== 'ready' || new Date(row.expires_at) <= new Date()) throw new ApiError(410, 'gone', 'This link was used or has expired; ask for a new export');
      // Single use: whoever marks it downloaded first gets it.
      const archive = await deps.db.transaction(async (trx) => {
        const [taken] = await trx('data_requests').where({ id: row.id, status: 'ready' }).update({ status: 'downloaded', downloaded_at: trx.fn.now(), archive_ciphertext: null }).returning('id');
        if (!taken) return null;
        await audit(trx, req, undefined, { orgId: row.org_id, actorType: 'user', actorId: row.requested_by, action: 'privacy.export_downloaded', targetType: 'data_request', targetId: row.id });
        return row.archive_ciphertext as Buffer;
      });
      if (!archive) throw new ApiError(410, 'gone', 'This link was used or has expired; ask for a new export');
      const zip = Buffer.from(await deps.fields.decrypt(row.org_id, EXPORT_CONTEXT, archive), 'base64');
      res
        .status(200)
        .set({ 'Content-Type': 'application/zip', 'Content-Disposition': `attachment; filename="callgenly-export-${row.id}.zip"`, 'Cache-Control': 'no-store' })
        .send(zip);
    },
  }),
];
