import type { defineSearchAttributeKey } from '@temporalio/common';
import type { Knex } from 'knex';
import type { Db } from './db/knex';
import type { PhoneColumn, PhoneMatch } from './crypto/phoneNumbers';

export type SearchAttributeKey = ReturnType<typeof defineSearchAttributeKey>;

/**
 * Whose payloads a workflow's are, read from its workflow id by the payload codec:
 * - `org-in-id`: the id is `<prefix>:<orgId>` (a scheduled run adds `-<time>`);
 * - `row`: the id is `<prefix>:<key>`, and the organization is the `org_id` of the row whose `column` is the key;
 * - `platform`: system work that carries nobody's personal data (sealed anyway if a payload names an
 *   organization that encrypts).
 */
export type WorkflowOwner = { kind: 'org-in-id' } | { kind: 'row'; table: string; column: string } | { kind: 'platform'; why: string };

export interface WorkflowRegistration {
  /** The workflow function's name, its Temporal workflow type. */
  type: string;
  /** Matches every workflow id of this type (and nothing else). */
  id: RegExp;
  owner: WorkflowOwner;
}

/** An id `<prefix>:<key>`, or `<prefix>:<key>-<RFC 3339 time>` for a run a Temporal Schedule started. */
export const idPattern = (prefix: string, options: { scheduled?: boolean } = {}) =>
  new RegExp(`^${prefix.replace(/[-]/g, '\\-')}:(.+?)${options.scheduled ? '(?:-\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z)?' : ''}$`);

/**
 * What account deletion does with a table: erased in `order` (lower first, so foreign keys accept it),
 * erased with the parent row it cascades from, or kept with the reason (billing records: the law).
 */
export type TableRule = (
  | { table: string; onDeletion: 'erase'; order: number }
  | { table: string; onDeletion: 'with-parent'; parent: string }
  | { table: string; onDeletion: 'keep'; why: string }
) & { retention: RetentionClass };

/**
 * How long a table's rows are kept while the account lives (the retention sweep applies the first three):
 * - `call-content`: the organization's retention period (`retention_days`, 90 by default): calls, their
 *   transcripts and messages;
 * - `recordings`: the recording retention period (deleted at Twilio; coaching services 30 days at most);
 * - `billing-records`: seven years (`retain_until`; BILLING_RECORD_RETENTION_YEARS), a coaching service's payment
 *   records ten (COACH_PAYMENT_RECORD_RETENTION_YEARS), for tax and accounting; then purged by the sweep;
 * - `consent-evidence`: proof of consent to be called, five years (TCPA claims);
 * - `account`: as long as the account (erased or kept by account deletion, as its rule says).
 */
export type RetentionClass = 'call-content' | 'recordings' | 'billing-records' | 'consent-evidence' | 'account';

export type ExportScope = { scope: 'organization' } | { scope: 'user'; userId: string } | { scope: 'caller'; e164: string };

/** A domain's files in an export: JSON files by name (and CSV beside some), for the scopes it has data in. */
export interface ExportSection {
  scopes: ReadonlyArray<ExportScope['scope']>;
  build(ctx: ExportContext): Promise<{ json: Record<string, unknown>; csv?: Record<string, string> }>;
}

export interface ExportContext {
  db: Db;
  orgId: string;
  scope: ExportScope;
  /** Decrypts one of the organization's encrypted columns (null stays null). */
  decrypt(context: string, value: Buffer | null): Promise<string | null>;
  /** A row's phone number in one of the encrypted number columns. */
  phone(context: PhoneColumn, row: object): Promise<string | null>;
  /** A caller's export: what finds the rows of their number (with `phoneIn`). */
  caller?: PhoneMatch;
  /**
   * Whom an organization's export leaves out: people who restricted the processing of their data (GDPR
   * art. 18). A person's own export, or a caller's, leaves no one out: it goes to the person themself.
   */
  withheld: ExportWithholding;
}

/** Query modifiers and checks an export section applies to withhold restricted people's data. */
export interface ExportWithholding {
  excludingCallers(use: 'exports', columns: readonly string[]): (q: Knex.QueryBuilder) => void;
  excludingCallsOfLimitedCallers(db: Db, orgId: string, use: 'exports', column?: string): (q: Knex.QueryBuilder) => void;
  userLimited(userId: string, use: 'exports'): boolean;
}

/** The workflow registration whose id pattern matches, or undefined: no domain runs such a workflow. */
export function registrationOf(registrations: readonly WorkflowRegistration[], workflowId: string): WorkflowRegistration | undefined {
  return registrations.find((r) => r.id.test(workflowId));
}

/** Fails on a name two domains (or one, twice) give: the later would silently replace the earlier. */
export function assertUnique(kind: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`${kind} ${name} is registered twice`);
    seen.add(name);
  }
}

/**
 * A third party that holds or receives personal data for a domain (a processor, in GDPR and KVKK terms):
 * what it does, which data, where. Composed into the registry; the privacy notices and information
 * requests list them from there, so a new integration cannot be left out of them.
 */
export interface Processor {
  name: string;
  /** What it does for the service. */
  role: string;
  /** The categories of personal data it receives. */
  data: readonly string[];
  /** Where it processes them (transfers abroad are named from this). */
  location: string;
  /** When it is used at all (a setting that switches it on), if not always. */
  when?: string;
}
