import { z } from 'zod';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import type { V1Deps } from '../../platform/http/v1/deps';
import { defineRoute } from '../../platform/http/v1/route';
import { pauseLearnerPlans } from '../consent';
import { requireCoachingOrganization } from '../organizations';
import { pausePlanSchedulesSoon } from '../plans';
import { coachSettingsOf, type CoachSettingsRow } from '../settings';

/** A coaching organization's own settings, and staff putting a learner on the do-not-call list. */
const CoachSettings = z
  .object({
    engine: z.enum(['vapi', 'twilio']).meta({ description: "vapi: Vapi places and holds the calls; twilio: the built-in engine (Twilio and the platform's agent)" }),
    pricePerMinuteMinor: z.number().int().min(1).max(100_000).meta({ description: "Price of a started minute of practice, in minor units of the currency, taken from the learner's balance" }),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
    lowBalanceMinor: z.number().int().min(0).max(10_000_000).meta({ description: 'Learners are told when their balance falls below this' }),
    vapiPhoneNumberId: z.string().trim().max(100).nullable().meta({ description: 'The Vapi phone number the coach calls from (a Twilio number imported into Vapi); null: the platform default' }),
  })
  .meta({ id: 'CoachSettings' });

const toApi = (s: CoachSettingsRow): z.input<typeof CoachSettings> => ({ engine: s.engine, pricePerMinuteMinor: s.price_per_minute_minor, currency: s.currency, lowBalanceMinor: s.low_balance_minor, vapiPhoneNumberId: s.vapi_phone_number_id });

const inCoaching = <T>(deps: V1Deps, orgId: string, fn: Parameters<typeof withTenant<T>>[2]) =>
  withTenant(deps.db, orgId, async (trx) => {
    await requireCoachingOrganization(trx, orgId, 'This is not a coaching organization');
    return fn(trx);
  });

export const settingsRoutes = [
  defineRoute({
    method: 'get',
    path: '/coaching/settings',
    operationId: 'getCoachSettings',
    summary: "The coaching organization's voice engine and prices",
    tag: 'Coaching',
    access: 'admin',
    response: { schema: CoachSettings, description: 'The settings' },
    errors: [404],
    handle: ({ auth, deps }) => inCoaching(deps, auth.orgId, async (trx) => toApi(await coachSettingsOf(trx, auth.orgId, deps.config))),
  }),

  defineRoute({
    method: 'patch',
    path: '/coaching/settings',
    operationId: 'updateCoachSettings',
    summary: 'Change the voice engine or prices (a balance stays in the currency it was paid in: the currency only changes while no learner has one)',
    tag: 'Coaching',
    access: 'admin',
    body: CoachSettings.partial(),
    response: { schema: CoachSettings, description: 'The settings after the change' },
    errors: [404, 409],
    handle: ({ auth, body, deps, req }) =>
      inCoaching(deps, auth.orgId, async (trx) => {
        const current = await coachSettingsOf(trx, auth.orgId, deps.config);
        if (body.engine === 'vapi' && !deps.config.vapi) throw new ApiError(409, 'vapi_off', 'This platform has no Vapi account (VAPI_API_KEY): use the twilio engine');
        if (body.currency && body.currency !== current.currency && (await trx('balance_ledger').whereNotNull('user_id').first('id'))) {
          throw new ApiError(409, 'balances_exist', 'Learners hold balances in the current currency');
        }
        await trx('coach_settings')
          .where({ org_id: auth.orgId })
          .update({
            ...(body.engine ? { engine: body.engine } : {}),
            ...(body.pricePerMinuteMinor ? { price_per_minute_minor: body.pricePerMinuteMinor } : {}),
            ...(body.currency ? { currency: body.currency } : {}),
            ...(body.lowBalanceMinor !== undefined ? { low_balance_minor: body.lowBalanceMinor } : {}),
            ...(body.vapiPhoneNumberId !== undefined ? { vapi_phone_number_id: body.vapiPhoneNumberId } : {}),
            updated_at: trx.fn.now(),
          });
        await audit(trx, req, auth, { action: 'coaching.settings_changed', targetType: 'organization', targetId: auth.orgId, metadata: { fields: Object.keys(body) } });
        return toApi(await coachSettingsOf(trx, auth.orgId, deps.config));
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/learners/{userId}/opt-out',
    operationId: 'optOutLearner',
    summary: "Put a learner's number on the do-not-call list at their request (by phone, by letter): consent withdrawn, every plan paused",
    tag: 'Coaching',
    access: 'admin',
    params: z.object({ userId: z.string().max(64) }),
    errors: [404],
    async handle({ auth, deps, params, req }) {
      const paused = await inCoaching(deps, auth.orgId, async (trx) => {
        const learner = await trx('learners').where({ user_id: params.userId }).first('phone_e164');
        if (!learner) throw new ApiError(404, 'not_found', 'No such learner');
        return pauseLearnerPlans(trx, { orgId: auth.orgId, userId: params.userId, e164: learner.phone_e164, via: 'staff', actorId: auth.userId ?? null, requestId: String(req.id ?? '') });
      });
      await pausePlanSchedulesSoon(deps, paused, req.log);
    },
  }),
];
