import { LIMITED_CALLER_CONTEXT } from '../platform/crypto/fieldContexts';
import type { FieldCipher } from '../platform/crypto/fieldEncryption';
import type { Knex } from 'knex';
import type { Db, Tx } from '../platform/db/knex';

/**
 * Restriction (GDPR art. 18) and objection (art. 21): what each stops. A restricted person's data is kept
 * but not used: no analysis, no reports, no analytics, no exports to anyone but the person themself, and
 * read only by an owner for a legal claim. An objection stops the uses for the business's own insight:
 * analysis, reports and analytics. Neither stops the service the person is using (a caller is still
 * answered, a staff member still signs in), nor a person's own access or erasure request.
 */
export const LIMIT_KINDS = ['restriction', 'objection'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];
export type LimitedUse = 'analysis' | 'reports' | 'analytics' | 'exports' | 'reads';

export const STOPPED_BY: Readonly<Record<LimitedUse, readonly LimitKind[]>> = {
  analysis: ['restriction', 'objection'],
  reports: ['restriction', 'objection'],
  analytics: ['restriction', 'objection'],
  exports: ['restriction'],
  reads: ['restriction'],
};

export interface ProcessingLimitRow {
  id: string;
  org_id: string;
  kind: LimitKind;
  subject_type: 'user' | 'caller';
  user_id: string | null;
  caller_ciphertext: Buffer | null;
  caller_index: Buffer | null;
  reason: string;
  requested_by: string | null;
  created_at: Date;
  lifted_at: Date | null;
  lifted_by: string | null;
  lift_reason: string | null;
}

/** The limits in force in one organization, read once: an organization has a handful at most. */
export class ProcessingLimits {
  private constructor(
    private readonly users: ReadonlyMap<string, ReadonlySet<LimitKind>>,
    private readonly callers: ReadonlyMap<string, ReadonlySet<LimitKind>>,
  ) {}

  static async load(trx: Db | Tx, fields: FieldCipher, orgId: string): Promise<ProcessingLimits> {
    const rows: ProcessingLimitRow[] = await trx('processing_limits').where({ org_id: orgId }).whereNull('lifted_at');
    const users = new Map<string, Set<LimitKind>>();
    const callers = new Map<string, Set<LimitKind>>();
    const add = (into: Map<string, Set<LimitKind>>, key: string, kind: LimitKind) => into.set(key, (into.get(key) ?? new Set()).add(kind));
    for (const row of rows) {
      if (row.user_id) add(users, row.user_id, row.kind);
      else add(callers, await fields.decrypt(orgId, LIMITED_CALLER_CONTEXT, row.caller_ciphertext!), row.kind);
    }
    return new ProcessingLimits(users, callers);
  }

  static readonly none = new ProcessingLimits(new Map(), new Map());

  userLimited(userId: string, use: LimitedUse): boolean {
    return stops(this.users.get(userId), use);
  }

  /** Whether any of the numbers (a call's from and to) is a caller whose data may not be used so. */
  callerLimited(numbers: ReadonlyArray<string | null | undefined>, use: LimitedUse): boolean {
    return numbers.some((n) => n != null && stops(this.callers.get(n), use));
  }

  /** The callers' numbers (E.164) whose data may not be used so: a query leaves their rows out. */
  callersLimited(use: LimitedUse): string[] {
    return [...this.callers].filter(([, kinds]) => stops(kinds, use)).map(([e164]) => e164);
  }

  /**
   * A query modifier leaving out rows in which any of the columns holds a caller whose data may not be used
   * so (a null column matches no one).
   */
  excludingCallers(use: LimitedUse, columns: readonly string[]): (q: Knex.QueryBuilder) => void {
    const numbers = this.callersLimited(use);
    return (q) => {
      if (numbers.length === 0) return;
      for (const column of columns) q.where((w) => w.whereNull(column).orWhereNotIn(column, numbers));
    };
  }

  /** A query modifier leaving out calls (or rows with a `call_id`) of callers whose data may not be used so. */
  excludingCallsOfLimitedCallers(db: Db | Tx, orgId: string, use: LimitedUse, column = 'id'): (q: Knex.QueryBuilder) => void {
    const numbers = this.callersLimited(use);
    return (q) => {
      if (numbers.length === 0) return;
      const limitedCalls = db('calls').where({ org_id: orgId }).where((w) => w.whereIn('from_e164', numbers).orWhereIn('to_e164', numbers)).select('id');
      q.where((w) => w.whereNull(column).orWhereNotIn(column, limitedCalls));
    };
  }

  usersLimited(use: LimitedUse): string[] {
    return [...this.users].filter(([, kinds]) => stops(kinds, use)).map(([id]) => id);
  }
}

/** The uses a kind of limit stops, as the API shows them. */
export function usesStoppedBy(kind: LimitKind): LimitedUse[] {
  return (Object.keys(STOPPED_BY) as LimitedUse[]).filter((use) => STOPPED_BY[use].includes(kind));
}

function stops(kinds: ReadonlySet<LimitKind> | undefined, use: LimitedUse): boolean {
  return !!kinds && STOPPED_BY[use].some((k) => kinds.has(k));
}
