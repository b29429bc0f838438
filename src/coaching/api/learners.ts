import { z } from 'zod';
import { AgeConfirmed } from '../../accounts/auth/age';
import { checkPasswordAgainstEmail, emailTaken } from '../../accounts/api/auth';
import { hashPassword, passwordSchema } from '../../accounts/auth/passwords';
import { signIn, SessionInfo } from '../../accounts/auth/sessionInfo';
import { usersRepository } from '../../accounts/repositories/users';
import { isUniqueViolation } from '../../platform/db/errors';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import type { V1Deps } from '../../platform/http/v1/deps';
import { defineRoute } from '../../platform/http/v1/route';
import { Email, idOf, iso, pageBody, pageOf, PageQuery, Timestamp } from '../../platform/http/v1/schemas';
import { toE164 } from '../../platform/phone';
import { isValidTimeZone } from '../../platform/timeZones';
import { consentText, pauseLearnerPlans } from '../consent';
import { recordCorrectionsAtProcessors } from '../corrections';
import { ownLearner } from './ownLearner';
import { movePlanSchedules, pausePlanSchedulesSoon } from '../plans';
import { coachingOrganization } from '../organizations';
import { CEFR_LEVELS, learnersRepository, type LearnerWithPerson } from '../repositories/learners';

/** The number the coach calls: international E.164 form, since learners live anywhere. */
const LearnerPhone = z
  .string()
  .trim()
  .max(40)
  .transform((n, ctx) => (n.startsWith('+') ? toE164(n) : undefined) ?? (ctx.addIssue({ code: 'custom', message: 'must be a valid phone number in international form, such as +905321234567' }), z.NEVER))
  .meta({ example: '+905321234567' });
const TimeZone = z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Istanbul');
const ProfileFields = {
  phone: LearnerPhone,
  timeZone: TimeZone,
  nativeLanguage: z.string().trim().min(2).max(60).meta({ example: 'Turkish' }),
  goals: z.string().trim().max(1000),
  level: z.enum(CEFR_LEVELS).nullable().meta({ description: 'The CEFR level the learner believes they have' }),
};
/** How the coach speaks to this learner, used by both voice engines. */
const Preferences = z
  .object({
    coachVoice: z.string().trim().regex(/^[\w.-]{1,60}$/, 'must be a voice id').meta({ description: "The voice engine's voice id (Vapi's voiceId)", example: 'Elliot' }),
    correctionStyle: z.enum(['gentle', 'direct']).meta({ description: 'gentle: mistakes recast in the reply; direct: corrected at once in one sentence' }),
    speakingSpeed: z.enum(['slow', 'normal', 'fast']),
  })
  .meta({ id: 'CoachPreferences' });
const Profile = z.object({ ...ProfileFields, goals: ProfileFields.goals.default(''), level: ProfileFields.level.default(null) });
/** A correction names only what changes (no defaults: an omitted field keeps its value). */
const ProfilePatch = z.object({ ...ProfileFields, preferences: Preferences.partial() }).partial();

const Consent = z.object({ status: z.enum(['granted', 'none']), phone: z.string().nullable(), grantedAt: Timestamp.nullable() }).meta({ id: 'CallConsent' });
const Learner = z
  .object({
    userId: z.string(),
    name: z.string(),
    email: z.string(),
    phone: z.string(),
    timeZone: z.string(),
    nativeLanguage: z.string(),
    goals: z.string(),
    level: z.enum(CEFR_LEVELS).nullable(),
    preferences: Preferences,
    consent: Consent,
    createdAt: Timestamp,
  })
  .meta({ id: 'Learner' });

function toApi(row: LearnerWithPerson): z.input<typeof Learner> {
  return {
    userId: row.user_id,
    name: row.name,
    email: row.email,
    phone: row.phone_e164,
    timeZone: row.time_zone,
    nativeLanguage: row.native_language,
    goals: row.goals,
    level: row.self_level,
    preferences: { coachVoice: row.coach_voice, correctionStyle: row.correction_style, speakingSpeed: row.speaking_speed },
    consent: { status: row.consent_phone ? 'granted' : 'none', phone: row.consent_phone, grantedAt: iso(row.consent_granted_at) },
    createdAt: iso(row.created_at)!,
  };
}

const notFound = () => new ApiError(404, 'not_found', 'No such coaching organization');

/** A coaching organization open to sign-ups: anything else does not exist here. */
async function openCoachingOrganization(deps: V1Deps, orgId: string) {
  const org = await coachingOrganization(deps.db, orgId);
  if (!org || org.status !== 'active') throw notFound();
  return org;
}

/** The consent text in force, when it is the version the learner was shown; otherwise 409. */
function consentShown(organizationName: string, shownVersion: string, field: string) {
  const consent = consentText(organizationName);
  if (shownVersion !== consent.version) throw new ApiError(409, 'consent_text_changed', 'The consent text has changed since it was shown; show the current one and ask again', field);
  return consent;
}

export const learnerRoutes = [
  defineRoute({
    method: 'get',
    path: '/coaching/organizations/{organizationId}/consent-text',
    operationId: 'getCoachingConsentText',
    summary: 'The consent to be called that sign-up shows, and its version (what sign-up sends back)',
    tag: 'Coaching',
    access: 'public',
    params: z.object({ organizationId: idOf('org') }),
    response: { schema: z.object({ organization: z.string(), text: z.string(), version: z.string() }).meta({ id: 'ConsentText' }), description: 'The words the learner agrees to' },
    errors: [404],
    async handle({ deps, params }) {
      const org = await openCoachingOrganization(deps, params.organizationId);
      return { organization: org.name, ...consentText(org.name) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/coaching/signup',
    operationId: 'signUpLearner',
    summary: "Sign up as a learner of a coaching organization, with the phone the coach calls and consent to be called; signs in",
    tag: 'Coaching',
    access: 'public',
    rateLimit: 'sign-up',
    body: Profile.extend({
      organizationId: idOf('org'),
      email: Email,
      password: passwordSchema,
      name: z.string().trim().min(1).max(200),
      ageConfirmed: AgeConfirmed,
      consent: z.object({
        agreed: z.literal(true, { error: 'must be true: calls are placed only with consent' }),
        version: z.string().min(1).max(64).meta({ description: 'The version of the consent text that was shown' }),
      }),
    }),
    response: { status: 201, schema: SessionInfo, description: 'Signed in as the new learner' },
    errors: [404, 409, 429],
    async handle({ body, deps, req, res }) {
      const org = await openCoachingOrganization(deps, body.organizationId);
      const consent = consentShown(org.name, body.consent.version, 'consent.version');
      checkPasswordAgainstEmail(body.password, body.email);
      if (await usersRepository(deps.db).findByEmail(body.email)) throw emailTaken();
      const passwordHash = await hashPassword(body.password, deps.config.auth.bcryptCost);
      const userId = await deps.db
        .transaction(async (trx) => {
          const user = await usersRepository(trx).create({ email: body.email, name: body.name, passwordHash, ageConfirmed: org.minimum_age });
          await withTenant(trx, org.id, async (tenant) => {
            await usersRepository(tenant).addMembership(org.id, user.id, 'learner');
            const learners = learnersRepository(tenant);
            await learners.create(org.id, user.id, { phoneE164: body.phone, timeZone: body.timeZone, nativeLanguage: body.nativeLanguage, goals: body.goals, selfLevel: body.level });
            const grant = await learners.grantConsent({ orgId: org.id, userId: user.id, phoneE164: body.phone, text: consent.text, textVersion: consent.version, method: 'web', ip: req.ip });
            const actor = { orgId: org.id, actorType: 'user' as const, actorId: user.id };
            await audit(tenant, req, undefined, { ...actor, action: 'coaching.learner_signed_up', targetType: 'user', targetId: user.id });
            await audit(tenant, req, undefined, { ...actor, action: 'coaching.consent_granted', targetType: 'consent', targetId: grant.id, metadata: { version: consent.version, method: 'web' } });
          });
          return user.id;
        })
        .catch((err: unknown) => {
          if (isUniqueViolation(err, 'users_email_unique')) throw emailTaken();
          throw err;
        });
      return signIn(deps, req, res, { userId, orgId: org.id, method: 'password' });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/learners',
    operationId: 'listLearners',
    summary: "The organization's learners, with their consent to be called (staff)",
    tag: 'Coaching',
    access: 'member',
    query: PageQuery,
    response: { schema: pageOf(Learner, 'LearnerPage'), description: 'A page of learners' },
    handle: ({ auth, deps, query }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const page = await learnersRepository(trx).list(query);
        return pageBody(page, toApi);
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/learners/{userId}',
    operationId: 'getLearner',
    summary: 'One learner (staff)',
    tag: 'Coaching',
    access: 'member',
    params: z.object({ userId: idOf('usr') }),
    response: { schema: Learner, description: 'The learner' },
    errors: [404],
    handle: ({ auth, deps, params }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const row = await learnersRepository(trx).find(params.userId);
        if (!row) throw new ApiError(404, 'not_found', 'No such learner');
        return toApi(row);
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/me/learner',
    operationId: 'getMyLearnerProfile',
    summary: "The signed-in learner's own profile and consent",
    tag: 'Coaching',
    access: 'person',
    response: { schema: Learner, description: 'Your learner profile' },
    errors: [404],
    async handle({ auth, deps }) {
      const userId = ownLearner(auth);
      return withTenant(deps.db, auth.orgId, async (trx) => toApi((await learnersRepository(trx).find(userId))!));
    },
  }),

  defineRoute({
    method: 'patch',
    path: '/me/learner',
    operationId: 'updateMyLearnerProfile',
    summary: 'Correct your learner profile; a new phone number needs consent again before any call to it',
    tag: 'Coaching',
    access: 'person',
    body: ProfilePatch,
    response: { schema: Learner, description: 'Your learner profile after the change' },
    errors: [404],
    async handle({ auth, body, deps, req }) {
      const userId = ownLearner(auth);
      return withTenant(deps.db, auth.orgId, async (trx) => {
        const learners = learnersRepository(trx);
        const before = (await learners.find(userId))!;
        await learners.update(userId, {
          ...(body.phone !== undefined ? { phone_e164: body.phone } : {}),
          ...(body.timeZone !== undefined ? { time_zone: body.timeZone } : {}),
          ...(body.nativeLanguage !== undefined ? { native_language: body.nativeLanguage } : {}),
          ...(body.goals !== undefined ? { goals: body.goals } : {}),
          ...(body.level !== undefined ? { self_level: body.level } : {}),
          ...(body.preferences?.coachVoice !== undefined ? { coach_voice: body.preferences.coachVoice } : {}),
          ...(body.preferences?.correctionStyle !== undefined ? { correction_style: body.preferences.correctionStyle } : {}),
          ...(body.preferences?.speakingSpeed !== undefined ? { speaking_speed: body.preferences.speakingSpeed } : {}),
        });
        // The plans keep their local times in the learner's new zone.
        if (body.timeZone !== undefined && body.timeZone !== before.time_zone) await movePlanSchedules(trx, deps.temporal, deps.config.temporal.taskQueue, userId, body.timeZone);
        // Consent was given for a number: another number is not covered by it.
        if (body.phone !== undefined && body.phone !== before.phone_e164) await learners.withdrawConsent(userId, 'number_changed');
        await audit(trx, req, auth, { action: 'coaching.learner_updated', targetType: 'user', targetId: userId, metadata: { fields: Object.keys(body) } });
        const changed = [body.phone !== undefined && body.phone !== before.phone_e164 && 'phone', body.nativeLanguage !== undefined && body.nativeLanguage !== before.native_language && 'nativeLanguage', body.level !== undefined && body.level !== before.self_level && 'level'].filter((f): f is string => Boolean(f));
        await recordCorrectionsAtProcessors(trx, auth.orgId, userId, changed);
        return toApi((await learners.find(userId))!);
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/me/learner/consent',
    operationId: 'grantCallConsent',
    summary: 'Agree to be called at your current number (the consent text of this version was shown)',
    tag: 'Coaching',
    access: 'person',
    body: z.object({ version: z.string().min(1).max(64) }),
    response: { schema: Learner, description: 'Your learner profile with the consent in force' },
    errors: [404, 409],
    async handle({ auth, body, deps, req }) {
      const userId = ownLearner(auth);
      const org = await openCoachingOrganization(deps, auth.orgId);
      const consent = consentShown(org.name, body.version, 'version');
      return withTenant(deps.db, auth.orgId, async (trx) => {
        const learners = learnersRepository(trx);
        const learner = (await learners.find(userId))!;
        // Already given for this number: nothing to add.
        if (learner.consent_phone !== learner.phone_e164) {
          const grant = await learners.grantConsent({ orgId: auth.orgId, userId, phoneE164: learner.phone_e164, text: consent.text, textVersion: consent.version, method: auth.kind === 'session' ? 'web' : 'api', ip: req.ip });
          await audit(trx, req, auth, { action: 'coaching.consent_granted', targetType: 'consent', targetId: grant.id, metadata: { version: consent.version } });
          // Agreeing again, in their account, lifts an earlier "stop calling me" for this number.
          await trx('coach_opt_outs').where({ phone_e164: learner.phone_e164 }).delete();
        }
        return toApi((await learners.find(userId))!);
      });
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/me/learner/consent',
    operationId: 'withdrawCallConsent',
    summary: 'Withdraw consent to be called: every plan is paused and no call is placed until you agree again',
    tag: 'Coaching',
    access: 'person',
    errors: [404],
    async handle({ auth, deps, req }) {
      const userId = ownLearner(auth);
      const paused = await withTenant(deps.db, auth.orgId, async (trx) => {
        const learner = await learnersRepository(trx).find(userId);
        return pauseLearnerPlans(trx, { orgId: auth.orgId, userId, e164: learner!.phone_e164, via: 'api', actorId: auth.userId ?? null, requestId: String(req.id ?? '') });
      });
      await pausePlanSchedulesSoon(deps, paused, req.log);
    },
  }),
];
