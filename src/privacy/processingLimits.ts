import { LIMITED_CALLER_CONTEXT } from '../platform/crypto/fieldContexts';
import type { FieldCipher } from '../platform/crypto/fieldEncryption';
import { phoneIn, type PhoneMatch } from '../platform/crypto/phoneNumbers';
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

/** A limited caller: their number (decrypted) and its blind index, the one every number column holds. */
interface LimitedCaller extends PhoneMatch {
  kinds: Set<LimitKind>;
}

/** The limits in force in one organization, read once: an organization has a handful at most. */
export class ProcessingLimits {
  private constructor(
    private readonly users: ReadonlyMap<string, ReadonlySet<LimitKind>>,
    private readonly callers: ReadonlyMap<string, LimitedCaller>,
  ) {}

  static async load(trx: Db | Tx, fields: FieldCipher, orgId: string): Promise<ProcessingLimits> {
    const rows: ProcessingLimitRow[] = await trx('processing_limits').where({ org_id: orgId }).whereNull('lifted_at');
    const users = new Map<string, Set<LimitKind>>();
    const callers = new Map<string, LimitedCaller>();
    for (const row of rows) {
      if (row.user_id) users.set(row.user_id, (users.get(row.user_id) ?? new Set()).add(row.kind));
      else {
        const e164 = await fields.decrypt(orgId, LIMITED_CALLER_CONTEXT, row.caller_ciphertext!);
        const caller = callers.get(e164) ?? { e164, index: row.caller_index!, kinds: new Set() };
        callers.set(e164, { ...caller, kinds: caller.kinds.add(row.kind) });
      }
    }
    return new ProcessingLimits(users, callers);
  }

  static readonly none = new ProcessingLimits(new Map(), new Map());

  /** Whether one staff member's data may not be used so: their own rows only, no caller's number decrypted. */
  static async userLimited(trx: Db | Tx, orgId: string, userId: string, use: LimitedUse): Promise<boolean> {
    const kinds: LimitKind[] = await trx('processing_limits').where({ org_id: orgId, user_id: userId }).whereNull('lifted_at').pluck('kind');
    return stops(new Set(kinds), use);
  }

  userLimited(userId: string, use: LimitedUse): boolean {
    return stops(this.users.get(userId), use);
  }

  usersLimited(use: LimitedUse): string[] {
    return [...this.users].filter(([, kinds]) => stops(kinds, use)).map(([id]) => id);
  }

  /** Whether a call's row (either of its numbers, by blind index) is of a caller whose data may not be used so. */
  callLimited(call: object, use: LimitedUse): boolean {
    const row = call as Record<string, unknown>;
    return this.callersLimited(use).some((caller) =>
      ['from_e164', 'to_e164'].some((column) => (row[`${column}_index`] as Buffer | null)?.equals(caller.index) || row[column] === caller.e164),
    );
  }

  /** The callers whose data may not be used so. */
  callersLimited(use: LimitedUse): PhoneMatch[] {
    return [...this.callers.values()].filter((c) => stops(c.kinds, use));
  }

  /**
   * A query modifier leaving out rows in which any of the number columns (`from_e164`, `a.customer_e164`:
   * compared through their blind index, see phoneNumbers.ts) holds a caller whose data may not be used so.
   */
  excludingCallers(use: LimitedUse, columns: readonly string[]): (q: Knex.QueryBuilder) => void {
    const limited = this.callersLimited(use);
    // `is distinct from`: a column that is null (a plaintext column once encrypted) matches no one.
    return (q) => {
      for (const caller of limited)
        for (const column of columns) q.whereRaw('?? is distinct from ? and ?? is distinct from ?', [`${column}_index`, caller.index, column, caller.e164]);
    };
  }

  /** A query modifier leaving out calls (or rows with a `call_id`) of callers whose data may not be used so. */
  excludingCallsOfLimitedCallers(db: Db | Tx, orgId: string, use: LimitedUse, column = 'id'): (q: Knex.QueryBuilder) => void {
    const limited = this.callersLimited(use);
    return (q) => {
      if (limited.length === 0) return;
      const limitedCalls = db('calls').where({ org_id: orgId }).where((w) => {
        for (const caller of limited) w.orWhere(phoneIn(caller, 'from_e164', 'to_e164'));
      });
      q.where((w) => w.whereNull(column).orWhereNotIn(column, limitedCalls.select('id')));
    };
  }
}

/** The uses a kind of limit stops, as the API shows them. */
export function usesStoppedBy(kind: LimitKind): LimitedUse[] {
  return (Object.keys(STOPPED_BY) as LimitedUse[]).filter((use) => STOPPED_BY[use].includes(kind));
}

function stops(kinds: ReadonlySet<LimitKind> | undefined, use: LimitedUse): boolean {
  return !!kinds && STOPPED_BY[use].some((k) => kinds.has(k));
}
