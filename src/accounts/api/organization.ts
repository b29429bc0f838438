import { z } from 'zod';
import { MinimumAge } from '../auth/age';
import { isValidTimeZone } from '../../platform/timeZones';
import { withTenant } from '../../platform/db/tenancy';
import { currentOrganizationRepository, type OrganizationRow, type OrganizationSettingsPatch } from '../repositories/organizations';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { iso, PhoneNumber, Product, Timestamp } from '../../platform/http/v1/schemas';
import { scheduleUsageReport } from '../../notifications/schedules';
import type { Tx } from '../../platform/db/knex';
import type { AuthContext } from '../auth/context';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (24-hour)');
const Range = z
  .object({ open: HHMM, close: HHMM })
  .refine((r) => r.open < r.close, { message: 'close must be after open', path: ['close'] });
const Day = z.array(Range).max(6);
const BusinessHours = z
  .object({ mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day })
  .partial()
  .strict()
  .meta({ id: 'BusinessHours', description: 'Opening ranges per weekday in the organization\'s time zone; a missing or empty day is closed' });
const Faq = z.array(z.object({ question: z.string().trim().min(1).max(500), answer: z.string().trim().min(1).max(2000) })).max(100);

const Organization = z
  .object({
    id: z.string(),
    name: z.string(),
    product: Product,
    timeZone: z.string(),
    businessHours: BusinessHours,
    faq: Faq,
    agentInstructions: z.string(),
    greeting: z.string(),
    transferNumber: z.string().nullable().meta({ description: 'E.164 number calls are transferred to' }),
    notificationEmails: z.array(z.string()).meta({ description: 'Where messages taken on calls and operational alerts are emailed' }),
    notificationNumbers: z.array(z.string()).meta({ description: 'Where they are texted (E.164); when empty, the transfer number is' }),
    recordingEnabled: z.boolean(),
    recordingAnnouncement: z.string(),
    retentionDays: z.number().int(),
    recordingRetentionDays: z.number().int(),
    hipaaMode: z.boolean(),
    businessAssociateAgreement: z
      .object({ current: z.string(), url: z.string().nullable(), acceptedVersion: z.string().nullable(), acceptedAt: Timestamp.nullable() })
      .meta({ description: 'HIPAA mode needs the current version accepted by an owner (POST /organization/baa)' }),
    encryptWorkflowPayloads: z.boolean().meta({ description: 'Encrypt workflow payloads with the organization key (always on in HIPAA mode)' }),
    bookingMinNoticeMinutes: z.number().int(),
    bookingHorizonDays: z.number().int(),
    bookingSlotStepMinutes: z.number().int(),
    reminderOffsetsMinutes: z.array(z.number()).meta({ description: 'Appointment reminders are texted this long before the start' }),
    minimumAge: z.number().int().meta({ description: 'People confirm being at least this old to sign up or join (18, or up to 25)' }),
    status: z.string(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Organization' });

const SettingsPatch = z
  .object({
    name: z.string().trim().min(1).max(200),
    timeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as America/New_York'),
    businessHours: BusinessHours,
    faq: Faq,
    agentInstructions: z.string().max(8000),
    greeting: z.string().max(500),
    transferNumber: PhoneNumber.nullable().meta({ description: 'Any common format; stored as E.164. null removes it' }),
    notificationEmails: z.array(z.email('must be an email address').max(254)).max(10),
    notificationNumbers: z.array(PhoneNumber).max(5).meta({ description: 'Any common format; stored as E.164' }),
    recordingEnabled: z.boolean(),
    recordingAnnouncement: z.string().trim().min(1).max(500),
    retentionDays: z.number().int().min(1).max(3650),
    recordingRetentionDays: z.number().int().min(1).max(3650),
    hipaaMode: z.boolean(),
    encryptWorkflowPayloads: z.boolean(),
    bookingMinNoticeMinutes: z.number().int().min(0).max(60 * 24 * 30),
    bookingHorizonDays: z.number().int().min(1).max(366),
    bookingSlotStepMinutes: z.number().int().min(5).max(240),
    reminderOffsetsMinutes: z.array(z.number().int().min(1).max(60 * 24 * 14)).max(5),
    minimumAge: MinimumAge,
    confirmHipaaOff: z.literal(true).meta({ description: 'An owner turning HIPAA mode off while calls or messages it protects exist confirms it with true' }),
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).some((k) => k !== 'confirmHipaaOff'), 'must change at least one setting')
  .meta({ id: 'OrganizationSettings' });

function toApi(row: OrganizationRow, baa: { version: string; url?: string }): z.input<typeof Organization> {
  return {
    id: row.id,
    name: row.name,
    product: row.product as 'receptionist' | 'coach',
    timeZone: row.time_zone,
    businessHours: row.business_hours,
    faq: row.faq,
    agentInstructions: row.agent_instructions,
    greeting: row.greeting,
    transferNumber: row.transfer_e164,
    notificationEmails: row.notification_emails,
    notificationNumbers: row.notification_e164s,
    recordingEnabled: row.recording_enabled,
    recordingAnnouncement: row.recording_announcement,
    retentionDays: row.retention_days,
    recordingRetentionDays: row.recording_retention_days,
    hipaaMode: row.hipaa_mode,
    businessAssociateAgreement: { current: baa.version, url: baa.url ?? null, acceptedVersion: row.baa_version, acceptedAt: iso(row.baa_accepted_at) },
    encryptWorkflowPayloads: row.encrypt_workflow_payloads || row.hipaa_mode,
    bookingMinNoticeMinutes: row.booking_min_notice_minutes,
    bookingHorizonDays: row.booking_horizon_days,
    bookingSlotStepMinutes: row.booking_slot_step_minutes,
    reminderOffsetsMinutes: row.reminder_offsets_seconds.map((s) => s / 60),
    minimumAge: row.minimum_age,
    status: row.status,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

const COLUMNS: Record<string, keyof OrganizationSettingsPatch> = {
  name: 'name',
  timeZone: 'time_zone',
  businessHours: 'business_hours',
  faq: 'faq',
  agentInstructions: 'agent_instructions',
  greeting: 'greeting',
  transferNumber: 'transfer_e164',
  notificationEmails: 'notification_emails',
  notificationNumbers: 'notification_e164s',
  recordingEnabled: 'recording_enabled',
  recordingAnnouncement: 'recording_announcement',
  retentionDays: 'retention_days',
  recordingRetentionDays: 'recording_retention_days',
  hipaaMode: 'hipaa_mode',
  encryptWorkflowPayloads: 'encrypt_workflow_payloads',
  bookingMinNoticeMinutes: 'booking_min_notice_minutes',
  bookingHorizonDays: 'booking_horizon_days',
  bookingSlotStepMinutes: 'booking_slot_step_minutes',
  reminderOffsetsMinutes: 'reminder_offsets_seconds',
  minimumAge: 'minimum_age',
};

/**
 * HIPAA mode going off: nothing to weigh when it is off already or protects no call data; otherwise only an
 * owner, signed in and saying so (`confirmHipaaOff`), may turn it off. Returns what it protected, for the audit.
 */
async function turningHipaaOff(trx: Tx, auth: AuthContext, confirmed: boolean): Promise<{ calls: number; messages: number } | undefined> {
  const { hipaa_mode: on } = await trx('organizations').first('hipaa_mode');
  if (!on) return undefined;
  const count = async (rows: Promise<Array<Record<string, unknown>>>) => Number((await rows)[0]!.n);
  const held = { calls: await count(trx('calls').count({ n: '*' })), messages: await count(trx('messages').count({ n: '*' })) };
  if (held.calls + held.messages === 0) return held;
  if (auth.kind !== 'session' || auth.role !== 'owner' || !confirmed) {
    throw new ApiError(409, 'protected_data_exists', `HIPAA mode protects ${held.calls} call(s) and ${held.messages} message(s): only an owner, signed in, can turn it off, confirming with confirmHipaaOff: true`, 'hipaaMode');
  }
  return held;
}

export const organizationRoutes = [
  defineRoute({
    method: 'get',
    path: '/organization',
    operationId: 'getOrganization',
    summary: 'The organization, its profile and settings',
    tag: 'Organization',
    access: 'member',
    response: { schema: Organization, description: 'The organization' },
    handle: ({ auth, deps }) => withTenant(deps.db, auth.orgId, async (trx) => toApi((await currentOrganizationRepository(trx).get())!, deps.config.auth.baa)),
  }),

  defineRoute({
    method: 'patch',
    path: '/organization',
    operationId: 'updateOrganization',
    summary: 'Change settings: time zone, business hours, booking rules, recording, retention, HIPAA mode, agent instructions, FAQ',
    tag: 'Organization',
    access: 'admin',
    body: SettingsPatch,
    response: { schema: Organization, description: 'The organization after the change' },
    errors: [409],
    async handle({ auth, body, deps, req }) {
      const patch: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(body)) if (COLUMNS[field]) patch[COLUMNS[field]] = value;
      if (body.reminderOffsetsMinutes) patch.reminder_offsets_seconds = body.reminderOffsetsMinutes.map((m) => m * 60);
      const row = await withTenant(deps.db, auth.orgId, async (trx) => {
        // HIPAA mode only under the current Business Associate Agreement, accepted by an owner, on a plan that includes it.
        if (body.hipaaMode === true) {
          const { baa_version: accepted, hipaa_mode: on, billing_mode: plan } = await trx('organizations').first('baa_version', 'hipaa_mode', 'billing_mode');
          if (!on && accepted !== deps.config.auth.baa.version) throw new ApiError(409, 'baa_required', `HIPAA mode needs the Business Associate Agreement (version ${deps.config.auth.baa.version}) accepted by an owner first`, 'hipaaMode');
          if (!on && !deps.config.auth.baa.plans.includes(plan)) throw new ApiError(409, 'plan_excludes_hipaa', `The ${plan} plan does not include HIPAA mode: change to a plan that does (${deps.config.auth.baa.plans.join(', ')}) first`, 'hipaaMode');
        }
        const hipaaOff = body.hipaaMode === false ? await turningHipaaOff(trx, auth, body.confirmHipaaOff === true) : undefined;
        const updated = await currentOrganizationRepository(trx).update(patch as OrganizationSettingsPatch);
        if (hipaaOff) await audit(trx, req, auth, { action: 'organization.hipaa_turned_off', targetType: 'organization', targetId: auth.orgId, metadata: hipaaOff });
        // Which settings changed, not their values: instructions and FAQ can be long and are not the log's business.
        await audit(trx, req, auth, { action: 'organization.settings_changed', targetType: 'organization', targetId: auth.orgId, metadata: { fields: Object.keys(body) } });
        return updated;
      });
      // Other processes hear of an encryption change from the database's trigger as it commits; this one
      // forgets its cached policy before answering, so the next call it starts is already sealed.
      if (body.hipaaMode !== undefined || body.encryptWorkflowPayloads !== undefined) deps.payloadCodec.changed(auth.orgId);
      // The weekly report follows the organization to its new zone.
      if (body.timeZone) await scheduleUsageReport(deps, { id: row.id, timeZone: row.time_zone });
      return toApi(row, deps.config.auth.baa);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/organization/baa',
    operationId: 'acceptBusinessAssociateAgreement',
    summary: "Accept the Business Associate Agreement (its current version), which HIPAA mode needs: an owner, signed in (audited)",
    tag: 'Organization',
    access: 'owner',
    body: z.object({ version: z.string().max(40).meta({ description: 'The version the owner read (businessAssociateAgreement.current)' }) }),
    response: { schema: Organization, description: 'The organization, with the agreement accepted' },
    errors: [403, 409],
    async handle({ auth, body, deps, req }) {
      if (auth.kind !== 'session' || !auth.userId) throw new ApiError(403, 'session_required', 'An owner accepts the agreement signed in, not with an API key');
      if (body.version !== deps.config.auth.baa.version) throw new ApiError(409, 'baa_version_changed', `The current version is ${deps.config.auth.baa.version}: read it and accept that one`, 'version');
      const row = await withTenant(deps.db, auth.orgId, async (trx) => {
        await trx('organizations').update({ baa_version: body.version, baa_accepted_at: trx.fn.now(), baa_accepted_by: auth.userId });
        await audit(trx, req, auth, { action: 'organization.baa_accepted', targetType: 'organization', targetId: auth.orgId, metadata: { version: body.version } });
        return (await currentOrganizationRepository(trx).get())!;
      });
      return toApi(row, deps.config.auth.baa);
    },
  }),
];
