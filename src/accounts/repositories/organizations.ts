import type { Db, Tx } from '../../platform/db/knex';
import { newId } from '../../platform/db/ids';

export interface Weekday {
  open: string;
  close: string;
}
export type BusinessHours = Partial<Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', Weekday[]>>;
export interface FaqEntry {
  question: string;
  answer: string;
}

export interface NewOrganization {
  name: string;
  timeZone: string;
  businessHours?: BusinessHours;
  faq?: FaqEntry[];
  agentInstructions?: string;
  greeting?: string;
  transferE164?: string;
  product?: 'receptionist' | 'coach';
}

export interface OrganizationRow {
  id: string;
  name: string;
  product: string;
  time_zone: string;
  business_hours: BusinessHours;
  faq: FaqEntry[];
  agent_instructions: string;
  greeting: string;
  transfer_e164: string | null;
  notification_emails: string[];
  notification_e164s: string[];
  recording_enabled: boolean;
  recording_announcement: string;
  retention_days: number;
  recording_retention_days: number;
  hipaa_mode: boolean;
  /** Adults only: the age people confirm being at least to join (18 to 25). */
  minimum_age: number;
  encrypt_workflow_payloads: boolean;
  legal_hold: boolean;
  baa_version: string | null;
  baa_accepted_at: Date | null;
  booking_min_notice_minutes: number;
  booking_horizon_days: number;
  booking_slot_step_minutes: number;
  reminder_offsets_seconds: number[];
  billing_mode: string;
  billing_status: 'active' | 'past_due' | 'suspended' | 'cancelled';
  status: string;
  created_at: Date;
  updated_at: Date;
}

/**
 * System-level organization queries, run as the owner role: an organization does not exist yet when it is
 * created, and an incoming call names only a phone number. Tenant-scoped reads go through `withTenant`.
 */
export function organizationsRepository(db: Db | Tx) {
  return {
    async create(input: NewOrganization): Promise<OrganizationRow> {
      const [row] = await db<OrganizationRow>('organizations')
        .insert({
          id: newId('org'),
          name: input.name,
          product: input.product ?? 'receptionist',
          time_zone: input.timeZone,
          business_hours: JSON.stringify(input.businessHours ?? {}) as unknown as BusinessHours,
          faq: JSON.stringify(input.faq ?? []) as unknown as FaqEntry[],
          agent_instructions: input.agentInstructions ?? '',
          greeting: input.greeting ?? '',
          transfer_e164: input.transferE164 ?? null,
        })
        .returning('*');
      return row!;
    },

    async addPhoneNumber(orgId: string, e164: string, label = ''): Promise<string> {
      const id = newId('pn');
      await db('phone_numbers').insert({ id, org_id: orgId, e164, label });
      return id;
    },

    /** The organization a number belongs to, for routing an incoming call. */
    async findByPhoneNumber(e164: string): Promise<(OrganizationRow & { phone_number_id: string }) | undefined> {
      return db('organizations')
        .join('phone_numbers', 'phone_numbers.org_id', 'organizations.id')
        .where('phone_numbers.e164', e164)
        .first('organizations.*', 'phone_numbers.id as phone_number_id');
    },
  };
}

/** The settings columns an admin may change through the API. */
export type OrganizationSettingsPatch = Partial<
  Pick<
    OrganizationRow,
    | 'name'
    | 'time_zone'
    | 'business_hours'
    | 'faq'
    | 'agent_instructions'
    | 'greeting'
    | 'transfer_e164'
    | 'notification_emails'
    | 'notification_e164s'
    | 'recording_enabled'
    | 'recording_announcement'
    | 'retention_days'
    | 'recording_retention_days'
    | 'hipaa_mode'
    | 'encrypt_workflow_payloads'
    | 'booking_min_notice_minutes'
    | 'booking_horizon_days'
    | 'booking_slot_step_minutes'
    | 'reminder_offsets_seconds'
    | 'minimum_age'
  >
>;

/** The current tenant's own organization row, inside `withTenant` (row-level security shows only that one). */
export function currentOrganizationRepository(trx: Tx) {
  return {
    get(): Promise<OrganizationRow | undefined> {
      return trx<OrganizationRow>('organizations').first();
    },

    async update(patch: OrganizationSettingsPatch): Promise<OrganizationRow> {
      const values: Record<string, unknown> = { ...patch, updated_at: trx.fn.now() };
      for (const json of ['business_hours', 'faq'] as const) {
        if (patch[json] !== undefined) values[json] = JSON.stringify(patch[json]);
      }
      const [row] = await trx<OrganizationRow>('organizations').update(values as never).returning('*');
      return row!;
    },
  };
}
