import { z } from 'zod';
import { hasRole } from '../../accounts/auth/roles';
import type { AuthContext } from '../../accounts/auth/context';
import { LIMITED_CALLER_CONTEXT } from '../../platform/crypto/fieldContexts';
import type { FieldCipher } from '../../platform/crypto/fieldEncryption';
import { phoneIndex } from '../../platform/crypto/phoneNumbers';
import { newId } from '../../platform/db/ids';
import type { Tx } from '../../platform/db/knex';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { idOf, iso, PhoneNumber, Timestamp } from '../../platform/http/v1/schemas';
import { LIMIT_KINDS, usesStoppedBy, type ProcessingLimitRow } from '../processingLimits';

const Subject = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), userId: idOf('usr') }).meta({ description: 'A staff member of the organization (yourself, or anyone for an admin)' }),
  z.object({ type: z.literal('caller'), number: PhoneNumber }).meta({ description: 'A caller, by number (admins, on the caller\'s request)' }),
]);

const ProcessingLimit = z
  .object({
    id: z.string(),
    kind: z.enum(LIMIT_KINDS).meta({ description: 'restriction (GDPR art. 18): kept, not used; objection (art. 21): no analysis, reports or analytics' }),
    subject: z.discriminatedUnion('type', [z.object({ type: z.literal('user'), userId: z.string() }), z.object({ type: z.literal('caller'), number: z.string() })]),
    stops: z.array(z.enum(['analysis', 'reports', 'analytics', 'exports', 'reads'])).meta({ description: 'What it stops while in force' }),
    reason: z.string(),
    requestedBy: z.string().nullable(),
    createdAt: Timestamp,
    liftedAt: Timestamp.nullable(),
    liftedBy: z.string().nullable(),
    liftReason: z.string().nullable(),
  })
  .meta({ id: 'ProcessingLimit' });

const Reason = z.string().trim().min(1, 'say why').max(500);

async function toApi(fields: FieldCipher, r: ProcessingLimitRow): Promise<z.input<typeof ProcessingLimit>> {
  return {
    id: r.id,
    kind: r.kind,
    subject: r.user_id ? { type: 'user', userId: r.user_id } : { type: 'caller', number: await fields.decrypt(r.org_id, LIMITED_CALLER_CONTEXT, r.caller_ciphertext!) },
    stops: usesStoppedBy(r.kind),
    reason: r.reason,
    requestedBy: r.requested_by,
    createdAt: iso(r.created_at)!,
    liftedAt: iso(r.lifted_at),
    liftedBy: r.lifted_by,
    liftReason: r.lift_reason,
  };
}

/** A staff member limits their own processing; anything else (another person, a caller) is an admin's. */
function mayChange(auth: AuthContext, subject: { type: 'user'; userId: string } | { type: 'caller' }): boolean {
  return hasRole(auth.role, 'admin') || (subject.type === 'user' && subject.userId === auth.userId);
}

/** Analytics counts already kept of a person the limit now covers go, as when they say no to analytics. */
async function forgetAnalytics(trx: Tx, userId: string): Promise<number> {
  return trx('product_analytics').where({ user_id: userId }).delete();
}

/**
 * Restriction and objection (GDPR art. 18 and 21): recorded with who, when and why, in force at once in
 * every workflow that uses the data (call analysis, weekly reports, analytics, exports, reads), audited,
 * and lifted the same way. A caller's number is stored encrypted, found through a blind index.
 */
export const processingLimitRoutes = [
  defineRoute({
    method: 'get',
    path: '/processing-limits',
    operationId: 'listProcessingLimits',
    summary: 'Restrictions and objections, in force and lifted, newest first (admins see all; a member their own)',
    tag: 'Privacy',
    access: 'member',
    response: { schema: z.object({ items: z.array(ProcessingLimit) }).meta({ id: 'ProcessingLimits' }), description: 'Limits' },
    handle: ({ auth, deps }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const rows: ProcessingLimitRow[] = await trx('processing_limits')
          .modify((q) => void (hasRole(auth.role, 'admin') ? q : q.where({ user_id: auth.userId ?? '' })))
          .orderBy('created_at', 'desc')
          .limit(500);
        return { items: await Promise.all(rows.map((r) => toApi(deps.fields, r))) };
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/processing-limits',
    operationId: 'limitProcessing',
    summary: "Record a person's restriction or objection; in force at once (audited). One of each kind per person at a time",
    tag: 'Privacy',
    access: 'member',
    body: z.object({ kind: z.enum(LIMIT_KINDS), subject: Subject, reason: Reason }),
    response: { status: 201, schema: ProcessingLimit, description: 'In force' },
    errors: [403, 404, 409],
    async handle({ auth, body, deps, req }) {
      if (!mayChange(auth, body.subject)) throw new ApiError(403, 'forbidden', 'Only an admin records a limit for someone else or for a caller');
      const subject =
        body.subject.type === 'user'
          ? { user_id: body.subject.userId }
          : {
              caller_ciphertext: await deps.fields.encrypt(auth.orgId, LIMITED_CALLER_CONTEXT, body.subject.number),
              // The index every number column holds: a query compares them without decrypting.
              caller_index: await phoneIndex(deps.fields, auth.orgId, body.subject.number),
            };
      return deps.db.transaction(async (tx) => {
        // The person's analytics yes is locked first: a count on its way (which reads it under a share lock)
        // waits for this limit, then sees it and is refused, instead of outliving the deletion below.
        if (subject.user_id) await tx('analytics_consents').where({ user_id: subject.user_id }).forUpdate().first('user_id');
        return withTenant(tx, auth.orgId, async (trx) => {
          if (subject.user_id && !(await trx('memberships').where({ user_id: subject.user_id }).first('user_id'))) throw new ApiError(404, 'not_found', 'No such member');
          const id = newId('plim');
          const [row] = await trx('processing_limits')
            .insert({ id, org_id: auth.orgId, kind: body.kind, subject_type: body.subject.type, ...subject, reason: body.reason, requested_by: auth.userId })
            .onConflict()
            .ignore()
            .returning('*');
          if (!row) throw new ApiError(409, 'already_in_force', `A ${body.kind} of this person is already in force`);
          const countsDeleted = subject.user_id ? await forgetAnalytics(trx, subject.user_id) : 0;
          const metadata = { kind: body.kind, subject: body.subject.type, reason: body.reason, analyticsCountsDeleted: countsDeleted };
          await audit(trx, req, auth, { action: 'privacy.processing_limited', targetType: 'processing_limit', targetId: id, metadata });
          return toApi(deps.fields, row);
        });
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/processing-limits/{limitId}/lift',
    operationId: 'liftProcessingLimit',
    summary: 'Lift a restriction or objection, with a reason (audited); the record stays, as evidence',
    tag: 'Privacy',
    access: 'member',
    params: z.object({ limitId: idOf('plim') }),
    body: z.object({ reason: Reason }),
    response: { schema: ProcessingLimit, description: 'Lifted' },
    errors: [403, 404, 409],
    handle: ({ auth, body, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const found: ProcessingLimitRow | undefined = await trx('processing_limits').where({ id: params.limitId }).forUpdate().first();
        // A member who may not change it does not learn it exists.
        if (!found || !mayChange(auth, found.user_id ? { type: 'user', userId: found.user_id } : { type: 'caller' })) throw new ApiError(404, 'not_found', 'No such limit');
        if (found.lifted_at) throw new ApiError(409, 'already_lifted', 'This limit was already lifted');
        const [row] = await trx('processing_limits').where({ id: found.id }).update({ lifted_at: trx.fn.now(), lifted_by: auth.userId, lift_reason: body.reason }).returning('*');
        await audit(trx, req, auth, { action: 'privacy.processing_limit_lifted', targetType: 'processing_limit', targetId: found.id, metadata: { kind: found.kind, subject: found.subject_type, reason: body.reason } });
        return toApi(deps.fields, row);
      }),
  }),
];
