import { Context } from '@temporalio/activity';
import type { TableRule } from '../../src/platform/registration';
import type { Db, Tx } from '../../src/platform/db/knex';
import { auditLogRepository } from '../../src/accounts/repositories/auditLog';
import type { TwilioProvider } from '../../src/platform/providers/twilio';
import type { Config } from '../../src/platform/config';
import { deleteEngineRecordings, vapiClientOf } from '../../src/coaching/engineRecordings';
import { eraseClosedLearners } from '../../src/coaching/closure';
import { purgeExpiredBillingRecords } from '../../src/billing/recordPurge';

export interface SweepCounts {
  callsDeleted: number;
  messagesDeleted: number;
  recordingsDeleted: number;
  /** Billing records, usage rows (and their batches) and balance-ledger entries past their retention. */
  billingRecordsDeleted: number;
  /** Expired calls kept because they (or their organization) are under legal hold. */
  heldCalls: number;
}

export interface OrganizationSweep extends SweepCounts {
  orgId: string;
  legalHold: boolean;
}

export interface SweepTotals extends SweepCounts {
  organizations: number;
  heldOrganizations: number;
}

const DAY_MS = 86_400_000;
const COACHING_RECORDING_DAYS = 30;

/**
 * The retention sweep's work on the database and at Twilio. Everything is keyed to the sweep's `now` (the
 * workflow's clock), so a retry or a second run deletes exactly what is still expired and nothing else.
 * Each organization's counts live in `retention_sweep_orgs`, bumped in the same transaction as the batch
 * they count: a sweep resumed after a crash neither loses nor repeats a figure.
 */
/**
 * The tables the sweep knows how to age out, by retention class: calls go in batches (their transcript
 * turns by cascade, their messages first, appointments unlinked), recordings are deleted at Twilio and
 * marked, billing records go when their years are up (a balance keeps its total). A domain registering another table in one of these classes must teach the sweep first: the
 * worker refuses to start until then (the other classes are kept as long as their rule says).
 */
const SWEPT: Record<'call-content' | 'recordings' | 'billing-records', readonly string[]> = {
  'call-content': ['calls', 'messages', 'transcript_turns'],
  recordings: ['recordings'],
  'billing-records': ['billing_records', 'usage_records', 'usage_batches', 'balance_ledger'],
};

export function assertSweepCovers(tables: readonly TableRule[]): void {
  for (const [retention, known] of Object.entries(SWEPT)) {
    const registered = tables.filter((t) => t.retention === retention).map((t) => t.table).sort();
    if (registered.join() !== [...known].sort().join()) {
      throw new Error(`the retention sweep ages out ${retention} in ${[...known].sort().join(', ')}, but the domains register ${registered.join(', ') || 'none'} in that class`);
    }
  }
}

export function createRetentionActivities(deps: { db: Db; twilio: TwilioProvider; config: Pick<Config, 'vapi' | 'coaching' | 'billing'>; batchSize: number; tables: readonly TableRule[] }) {
  assertSweepCovers(deps.tables);
  const { db } = deps;
  const vapi = vapiClientOf(deps.config);

  const progressOf = (trx: Db | Tx, sweepId: string, orgId: string) => trx('retention_sweep_orgs').where({ sweep_id: sweepId, org_id: orgId });
  const bump = (trx: Db | Tx, sweepId: string, orgId: string, column: 'calls_deleted' | 'messages_deleted' | 'recordings_deleted' | 'billing_records_deleted', n: number) =>
    n > 0 ? progressOf(trx, sweepId, orgId).increment(column, n) : Promise.resolve(0);

  /** Recordings past the recording retention, or of calls about to go: deleted at Twilio, then marked. */
  async function sweepRecordings(sweepId: string, orgId: string, recordingCutoff: Date, callCutoff: Date): Promise<void> {
    for (;;) {
      const due: Array<{ id: string; recording_sid: string }> = await db('recordings as r')
        .join('calls as c', (j) => j.on('c.org_id', 'r.org_id').andOn('c.id', 'r.call_id'))
        .where('r.org_id', orgId)
        .whereNull('r.deleted_at')
        .where('c.legal_hold', false)
        .where((q) => q.where('r.created_at', '<', recordingCutoff).orWhere('c.started_at', '<', callCutoff))
        .limit(100)
        .select('r.id', 'r.recording_sid');
      if (due.length === 0) return;
      for (const recording of due) {
        await deps.twilio.deleteRecording(recording.recording_sid); // "already gone" after a crash is success
        await db.transaction(async (trx) => {
          const marked = await trx('recordings').where({ id: recording.id }).whereNull('deleted_at').update({ status: 'deleted', media_url: null, deleted_at: trx.fn.now() });
          await bump(trx, sweepId, orgId, 'recordings_deleted', marked);
        });
        Context.current().heartbeat();
      }
    }
  }

  /**
   * One batch of expired calls, in one transaction: their appointments keep the booking but lose the link,
   * and the calls go with their messages, transcripts and recording rows (foreign keys cascade). Calls in
   * progress, under legal hold, or with a recording not yet deleted at Twilio stay. Returns how many went.
   */
  async function deleteCallBatch(sweepId: string, orgId: string, cutoff: Date): Promise<number> {
    return db.transaction(async (trx) => {
      const ids: string[] = await trx('calls as c')
        .where('c.org_id', orgId)
        .where('c.started_at', '<', cutoff)
        .where('c.legal_hold', false)
        .whereNot('c.status', 'in_progress')
        .whereNotExists((q) => q.select(trx.raw('1')).from('recordings as r').whereRaw('r.org_id = c.org_id and r.call_id = c.id').whereNull('r.deleted_at'))
        .orderBy('c.started_at')
        .limit(deps.batchSize)
        .forUpdate()
        .skipLocked()
        .pluck('c.id');
      if (ids.length === 0) return 0;
      await trx('appointments').where({ org_id: orgId }).whereIn('call_id', ids).update({ call_id: null });
      await bump(trx, sweepId, orgId, 'messages_deleted', await trx('messages').where({ org_id: orgId }).whereIn('call_id', ids).del());
      const calls = await trx('calls').where({ org_id: orgId }).whereIn('id', ids).del();
      await bump(trx, sweepId, orgId, 'calls_deleted', calls);
      return calls;
    });
  }

  const expiredCalls = async (orgId: string, cutoff: Date, onlyHeld: boolean) =>
    Number(
      (await db('calls').where({ org_id: orgId }).where('started_at', '<', cutoff).modify((q) => void (onlyHeld ? q.where('legal_hold', true) : q)).count<{ n: string }[]>({ n: '*' }))[0]!.n,
    );

  return {
    /** A page of organizations to sweep, in id order after `afterId` (deleted ones too: their billing records age out). */
    async organizationsToSweep(input: { afterId: string | null; limit: number }): Promise<string[]> {
      return db('organizations')
        .modify((q) => void (input.afterId ? q.where('id', '>', input.afterId) : q))
        .orderBy('id')
        .limit(input.limit)
        .pluck('id');
    },

    /**
     * Applies one organization's policy (read now: an admin may have placed a hold since the sweep
     * began) as of the sweep's `now`, in batches, heartbeating. An organization under legal hold is only
     * counted. The organization's audit log gets its figures once, when it is done.
     */
    async sweepOrganization(input: { orgId: string; now: string; sweepId: string }): Promise<OrganizationSweep> {
      const { orgId, sweepId } = input;
      const org = await db('organizations').where({ id: orgId }).first('retention_days', 'recording_retention_days', 'legal_hold', 'product', 'status');
      const now = new Date(input.now).getTime();
      const callCutoff = new Date(now - org.retention_days * DAY_MS);
      // Coaching calls record learners practising: their recordings never outlive 30 days.
      const recordingDays = org.product === 'coach' ? Math.min(org.recording_retention_days, COACHING_RECORDING_DAYS) : org.recording_retention_days;
      const recordingCutoff = new Date(now - recordingDays * DAY_MS);
      await db('retention_sweep_orgs').insert({ sweep_id: sweepId, org_id: orgId, legal_hold: org.legal_hold }).onConflict(['sweep_id', 'org_id']).ignore();

      // Payment records: seven years for the receptionist, ten for a coaching service (their own settings).
      const billingYears = org.product === 'coach' ? deps.config.coaching.paymentRecordRetentionYears : deps.config.billing.recordRetentionYears;
      if (!org.legal_hold) {
        await db.transaction(async (trx) => bump(trx, sweepId, orgId, 'billing_records_deleted', await purgeExpiredBillingRecords(trx, orgId, new Date(now), billingYears)));
      }
      // A deleted organization has nothing else left to age.
      if (!org.legal_hold && org.status !== 'deleted') {
        await sweepRecordings(sweepId, orgId, recordingCutoff, callCutoff);
        // Practice calls' recordings kept by Vapi go at the same age.
        await bump(db, sweepId, orgId, 'recordings_deleted', await deleteEngineRecordings({ db, vapi }, orgId, { before: recordingCutoff, onEach: () => Context.current().heartbeat() }));
        // Learner accounts closed longer ago than their period: erased (payment records and consent evidence stay).
        if (org.product === 'coach') await eraseClosedLearners({ db, vapi }, orgId, new Date(now - deps.config.coaching.closedAccountRetentionDays * DAY_MS), () => Context.current().heartbeat());
        while ((await deleteCallBatch(sweepId, orgId, callCutoff)) > 0) Context.current().heartbeat();
        // Messages without a call (an SMS conversation) age the same way.
        await bump(db, sweepId, orgId, 'messages_deleted', await db('messages').where({ org_id: orgId }).whereNull('call_id').where('created_at', '<', callCutoff).del());
      }
      const heldCalls = await expiredCalls(orgId, callCutoff, !org.legal_hold);

      return db.transaction(async (trx) => {
        const finished = await progressOf(trx, sweepId, orgId).whereNull('finished_at').update({ held_calls: heldCalls, finished_at: trx.fn.now() });
        const row = await progressOf(trx, sweepId, orgId).first();
        const result: OrganizationSweep = {
          orgId,
          legalHold: row.legal_hold,
          callsDeleted: Number(row.calls_deleted),
          messagesDeleted: Number(row.messages_deleted),
          recordingsDeleted: Number(row.recordings_deleted),
          billingRecordsDeleted: Number(row.billing_records_deleted),
          heldCalls: Number(row.held_calls),
        };
        if (finished > 0) {
          const { orgId: _org, ...counts } = result;
          const metadata = { ...counts, retentionDays: org.retention_days, recordingRetentionDays: recordingDays, billingRecordRetentionYears: billingYears };
          await auditLogRepository(trx).record({ orgId, actorType: 'system', actorId: null, action: 'retention.swept', targetType: 'retention_sweep', targetId: sweepId, metadata });
        }
        return result;
      });
    },

    /** The run's summary row, once (a retried write finds it). */
    async recordSweep(input: { sweepId: string; startedAt: string; totals: SweepTotals }): Promise<void> {
      const { totals } = input;
      await db('retention_runs')
        .insert({
          id: input.sweepId,
          started_at: input.startedAt,
          organizations: totals.organizations,
          held_organizations: totals.heldOrganizations,
          calls_deleted: totals.callsDeleted,
          messages_deleted: totals.messagesDeleted,
          recordings_deleted: totals.recordingsDeleted,
          billing_records_deleted: totals.billingRecordsDeleted ?? 0,
          held_calls: totals.heldCalls,
        })
        .onConflict('id')
        .ignore();
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
