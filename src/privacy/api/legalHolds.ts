import { z } from 'zod';
import { CALL_FROM_CONTEXT } from '../../platform/crypto/fieldContexts';
import { openPhone } from '../../platform/crypto/phoneNumbers';
import type { Tx } from '../../platform/db/knex';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { idOf, iso, Timestamp } from '../../platform/http/v1/schemas';

/**
 * Legal holds: while one is on, what it covers is kept whatever retention, caller erasure or account
 * deletion would do (the whole organization, or one call). Placing and lifting are the owner's, with a
 * reason, and audited; a hold placed again keeps its first date.
 */
const Hold = z.object({ held: z.boolean(), reason: z.string().nullable(), since: Timestamp.nullable() }).meta({ id: 'LegalHold' });
const HeldCall = z.object({ callId: z.string(), from: z.string(), startedAt: Timestamp, reason: z.string().nullable(), since: Timestamp.nullable() }).meta({ id: 'HeldCall' });
const Change = z
  .object({ held: z.boolean(), reason: z.string().trim().max(500).optional().meta({ description: 'Required to place a hold: why (a claim, a request from counsel)' }) })
  .refine((c) => !c.held || (c.reason && c.reason.length > 0), { message: 'say why the hold is placed', path: ['reason'] });

type HoldRow = { legal_hold: boolean; legal_hold_reason: string | null; legal_hold_since: Date | null };
const toHold = (r: HoldRow) => ({ held: r.legal_hold, reason: r.legal_hold_reason, since: iso(r.legal_hold_since) });
/** The columns a change sets, on the organization or a call: a hold placed again keeps its first date. */
const columns = (c: z.infer<typeof Change>, trx: Tx) =>
  c.held
    ? { legal_hold: true, legal_hold_reason: c.reason!, legal_hold_since: trx.raw('coalesce(legal_hold_since, now())') }
    : { legal_hold: false, legal_hold_reason: null, legal_hold_since: null };

export const legalHoldRoutes = [
  defineRoute({
    method: 'get',
    path: '/legal-holds',
    operationId: 'listLegalHolds',
    summary: "The organization's legal hold and every call under one",
    tag: 'Privacy',
    access: 'admin',
    response: { schema: z.object({ organization: Hold, calls: z.array(HeldCall) }).meta({ id: 'LegalHolds' }), description: 'Holds' },
    handle: ({ auth, deps }) =>
      withTenant(deps.db, auth.orgId, async (trx) => ({
        organization: toHold(await trx('organizations').first('legal_hold', 'legal_hold_reason', 'legal_hold_since')),
        calls: await Promise.all(
          (await trx('calls').where({ legal_hold: true }).orderBy('started_at', 'desc').limit(500).select('id', 'from_e164', 'from_e164_ciphertext', 'started_at', 'legal_hold_reason', 'legal_hold_since')).map(async (c) => ({
            callId: c.id,
            from: (await openPhone(deps.fields, auth.orgId, CALL_FROM_CONTEXT, c))!,
            startedAt: iso(c.started_at)!,
            reason: c.legal_hold_reason,
            since: iso(c.legal_hold_since),
          })),
        ),
      })),
  }),

  defineRoute({
    method: 'put',
    path: '/legal-holds/organization',
    operationId: 'setOrganizationLegalHold',
    summary: 'Place (with a reason) or lift the legal hold on the whole organization: nothing is aged out, erased or deleted while it is on',
    tag: 'Privacy',
    access: 'owner',
    body: Change,
    response: { schema: Hold, description: 'The hold as it now is' },
    handle: ({ auth, body, deps, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const [row] = await trx('organizations')
          .update(columns(body, trx))
          .returning(['legal_hold', 'legal_hold_reason', 'legal_hold_since']);
        await audit(trx, req, auth, { action: body.held ? 'legal_hold.placed' : 'legal_hold.lifted', targetType: 'organization', targetId: auth.orgId, metadata: { reason: body.reason ?? null } });
        return toHold(row);
      }),
  }),

  defineRoute({
    method: 'put',
    path: '/calls/{callId}/legal-hold',
    operationId: 'setCallLegalHold',
    summary: 'Place (with a reason) or lift the legal hold on one call: kept past retention and caller erasure while it is on',
    tag: 'Privacy',
    access: 'owner',
    params: z.object({ callId: idOf('call') }),
    body: Change,
    response: { schema: Hold, description: 'The hold as it now is' },
    errors: [404],
    handle: ({ auth, body, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const [row] = await trx('calls')
          .where({ id: params.callId })
          .update(columns(body, trx))
          .returning(['legal_hold', 'legal_hold_reason', 'legal_hold_since']);
        if (!row) throw new ApiError(404, 'not_found', 'No such call');
        await audit(trx, req, auth, { action: body.held ? 'legal_hold.placed' : 'legal_hold.lifted', targetType: 'call', targetId: params.callId, metadata: { reason: body.reason ?? null } });
        return toHold(row);
      }),
  }),
];
