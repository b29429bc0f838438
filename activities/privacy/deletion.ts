import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { deleteScheduleIfAny } from '../../src/platform/temporal/schedules';
import type Stripe from 'stripe';
import type { Config } from '../../src/platform/config';
import type { Keyring } from '../../src/platform/crypto/keyring';
import type { Db } from '../../src/platform/db/knex';
import { auditLogRepository } from '../../src/accounts/repositories/auditLog';
import type { Logger } from '../../src/platform/logger';
import type { Notifier } from '../../src/notifications/notifier';
import type { TwilioProvider } from '../../src/platform/providers/twilio';
import { TOKEN_CONTEXTS } from '../../src/booking/calendars/resolver';
import { revokeGoogleToken } from '../../src/booking/calendars/google';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import { billingWorkflowId, cancelBillingSignal } from '../../workflows/billing/definitions';
import type { TableRule } from '../../src/platform/registration';
import { deleteEngineRecordings, vapiClientOf } from '../../src/coaching/engineRecordings';
import { deletePlanSchedulesOf } from '../../src/coaching/plans';

/**
 * What account deletion erases, in an order the foreign keys accept, and what it keeps and why: each
 * domain says so for every table it owns (its `tables` in src/<domain>/domain.ts); children erased with
 * their parent (transcript turns, recordings) go through their foreign keys. Kept: billing records and the
 * ledgers (7 years), the audit log, sweep figures, and the organization row itself, scrubbed to a tombstone
 * those rows still point at. test/privacy/deletion.test.ts checks every table with an org_id is claimed.
 */
export function erasurePlan(tables: readonly TableRule[]): { erased: string[]; kept: Record<string, string> } {
  const erased = tables.flatMap((t) => (t.onDeletion === 'erase' ? [t] : [])).sort((a, b) => a.order - b.order).map((t) => t.table);
  const kept = Object.fromEntries(tables.flatMap((t) => (t.onDeletion === 'keep' ? [[t.table, t.why]] : [])));
  return { erased, kept };
}

const CALL_BATCH = 5_000;

export function createDeletionActivities(deps: {
  db: Db;
  config: Config;
  keyring: Keyring;
  fields: FieldCipher;
  twilio: TwilioProvider;
  stripe?: Stripe;
  notifier: Notifier;
  temporal: Client;
  logger: Logger;
  /** Every domain's tables, with what deletion does to each. */
  tables: readonly TableRule[];
}) {
  const { db } = deps;
  const vapi = vapiClientOf(deps.config);
  const { erased: ERASED_TABLES, kept: KEPT_TABLES } = erasurePlan(deps.tables);

  return {
    /** The organization is marked for deletion and its owners told when erasure begins and how to stop it. */
    async announceDeletion(input: { orgId: string; requestedBy: string; erasureAt: string }): Promise<void> {
      const written = await db.transaction(async (trx) => {
        await trx('organizations').where({ id: input.orgId }).whereNot({ status: 'deleted' }).update({ status: 'deletion_pending' });
        const cancelUrl = `${deps.config.auth.appUrl ?? deps.config.http.publicBaseUrl}/settings/deletion`;
        return deps.notifier.write({ kind: 'privacy.deletion_requested', orgId: input.orgId, payload: { erasureAt: input.erasureAt, cancelUrl }, to: { roles: ['owner'] }, cause: `deletion-requested:${input.erasureAt}` }, trx);
      });
      await deps.notifier.start(written);
    },

    /** Cancelled in the grace period: the organization is as it was, and its owners are told. */
    async cancelDeletion(input: { orgId: string; cancelledBy: string }): Promise<void> {
      const written = await db.transaction(async (trx) => {
        await trx('organizations').where({ id: input.orgId, status: 'deletion_pending' }).update({ status: 'active' });
        return deps.notifier.write({ kind: 'privacy.deletion_cancelled', orgId: input.orgId, payload: {}, to: { roles: ['owner'] }, cause: `deletion-cancelled:${input.cancelledBy}` }, trx);
      });
      await deps.notifier.start(written);
    },

    /**
     * Nothing keeps working for an organization being erased: its weekly report and coaching plan schedules are deleted and
     * its running workflows (calls, bookings with reminder texts still due, deliveries, exports) are
     * terminated. Its billing cycle is left to close its last period, and this deletion to finish.
     */
    async stopOrganizationWorkflows(input: { orgId: string }): Promise<number> {
      await deleteScheduleIfAny(deps.temporal, `usage-report:${input.orgId}`);
      await deletePlanSchedulesOf({ db, temporal: deps.temporal }, input.orgId);
      const query = `OrgId = '${input.orgId}' AND ExecutionStatus = 'Running' AND WorkflowType NOT IN ('deletionWorkflow', 'billingCycleWorkflow')`;
      let stopped = 0;
      for await (const run of deps.temporal.workflow.list({ query })) {
        await deps.temporal.workflow
          .getHandle(run.workflowId, run.runId)
          .terminate('the organization is being deleted')
          .catch((error: unknown) => {
            if (!(error instanceof WorkflowNotFoundError)) throw error; // it ended meanwhile
          });
        stopped++;
        Context.current().heartbeat();
      }
      return stopped;
    },

    /** The owners' addresses, kept by the workflow to tell them when it is done (by then their accounts are gone). */
    async ownerAddresses(input: { orgId: string }): Promise<string[]> {
      return db('users').whereIn('id', db('memberships').where({ org_id: input.orgId, role: 'owner' }).select('user_id')).orderBy('email').pluck('email');
    },

    /**
     * Erases what the providers hold: every recording at Twilio and every practice call's data at Vapi (one already gone counts), Google calendar
     * grants revoked (Microsoft has no endpoint to revoke one grant: its tokens are erased here, and lapse),
     * the billing cycle closed (its last period billed), and the Stripe customer deleted (Stripe keeps the
     * invoices the law requires; we keep our billing records).
     */
    async eraseAtProviders(input: { orgId: string }): Promise<{ recordingsDeletedAtTwilio: number; recordingsDeletedAtVapi: number; calendarGrantsRevoked: number; stripeCustomerDeleted: boolean }> {
      let recordingsDeletedAtTwilio = 0;
      const recordingsDeletedAtVapi = await deleteEngineRecordings({ db, vapi }, input.orgId, { onEach: () => Context.current().heartbeat() });
      let calendarGrantsRevoked = 0;
      const google = deps.config.calendars.google;
      const grants: Array<{ id: string; refresh_token_ciphertext: Buffer }> = await db('calendar_connections')
        .where({ org_id: input.orgId, provider: 'google' })
        .whereNotNull('refresh_token_ciphertext')
        .select('id', 'refresh_token_ciphertext');
      for (const grant of google ? grants : []) {
        await revokeGoogleToken(google!, await deps.fields.decrypt(input.orgId, TOKEN_CONTEXTS.refresh, grant.refresh_token_ciphertext));
        await db('calendar_connections').where({ id: grant.id }).update({ status: 'revoked', refresh_token_ciphertext: null, access_token_ciphertext: null });
        calendarGrantsRevoked++;
      }
      const recordings: Array<{ id: string; recording_sid: string }> = await db('recordings').where({ org_id: input.orgId }).whereNull('deleted_at').select('id', 'recording_sid');
      for (const recording of recordings) {
        await deps.twilio.deleteRecording(recording.recording_sid);
        await db('recordings').where({ id: recording.id }).update({ status: 'deleted', media_url: null, deleted_at: db.fn.now() });
        recordingsDeletedAtTwilio++;
        Context.current().heartbeat();
      }
      try {
        await deps.temporal.workflow.getHandle(billingWorkflowId(input.orgId)).signal(cancelBillingSignal, { reason: 'requested' });
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
      const org = await db('organizations').where({ id: input.orgId }).first('stripe_customer_id');
      let stripeCustomerDeleted = false;
      if (org?.stripe_customer_id && deps.stripe) {
        try {
          await deps.stripe.customers.del(org.stripe_customer_id);
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode !== 404) throw error; // deleted by an earlier attempt
        }
        stripeCustomerDeleted = true;
      }
      return { recordingsDeletedAtTwilio, recordingsDeletedAtVapi, calendarGrantsRevoked, stripeCustomerDeleted };
    },

    /**
     * Erases the organization's data here, heartbeating: calls in batches, then each table of
     * ERASED_TABLES, then the people who belonged to no other organization, and the organization row is
     * scrubbed to a tombstone. Safe to repeat: what is gone is not found again. Returns counts per table.
     */
    async eraseData(input: { orgId: string }): Promise<Record<string, number>> {
      const { orgId } = input;
      const counts: Record<string, number> = {};
      const add = (table: string, n: number) => void (counts[table] = (counts[table] ?? 0) + n);
      const members: string[] = await db('memberships').where({ org_id: orgId }).pluck('user_id');
      await db('appointments').where({ org_id: orgId }).whereNotNull('call_id').update({ call_id: null });
      for (;;) {
        const batch = db('calls').where({ org_id: orgId }).limit(CALL_BATCH).select('id');
        await db('messages').where({ org_id: orgId }).whereIn('call_id', batch.clone()).del().then((n) => add('messages', n));
        const deleted = await db('calls').where({ org_id: orgId }).whereIn('id', batch).del();
        add('calls', deleted);
        Context.current().heartbeat();
        if (deleted === 0) break;
      }
      for (const table of ERASED_TABLES) add(table, await db(table).where({ org_id: orgId }).del());
      // People who belonged only here go (their sign-in identities and preferences with them).
      add(
        'users',
        await db('users')
          .whereIn('id', members)
          .whereNotExists(db('memberships').whereRaw('memberships.user_id = users.id').select(db.raw('1')))
          .del(),
      );
      await db('organizations')
        .where({ id: orgId })
        .update({
          name: '(deleted organization)',
          status: 'deleted',
          greeting: '',
          agent_instructions: '',
          faq: '[]',
          business_hours: '{}',
          transfer_e164: null,
          notification_emails: [],
          notification_e164s: [],
          stripe_customer_id: null,
          stripe_subscription_id: null,
        });
      return counts;
    },

    /** Crypto-shredding, last: nothing encrypted for the organization (here, in backups, in Temporal) can be read again. */
    async destroyDataKey(input: { orgId: string }): Promise<number> {
      return deps.keyring.destroy(input.orgId);
    },

    /** The deletion certificate, in the audit log: what was erased, when, what was kept and why; and the owners told. */
    async certifyDeletion(input: { orgId: string; requestedAt: string; requestedBy: string; erased: Record<string, number | boolean>; recipients: string[] }): Promise<void> {
      const kept: Record<string, { rows: number; why: string }> = {};
      for (const [table, why] of Object.entries(KEPT_TABLES)) {
        const rows = await db(table).where({ org_id: input.orgId }).count<{ n: string }[]>({ n: '*' });
        kept[table] = { rows: Number(rows[0]!.n), why };
      }
      const completedAt = new Date().toISOString();
      const written = await db.transaction(async (trx) => {
        const already = await trx('audit_log').where({ org_id: input.orgId, action: 'organization.deleted' }).first('id');
        if (already) return [];
        await auditLogRepository(trx).record({
          orgId: input.orgId,
          actorType: 'system',
          actorId: null,
          action: 'organization.deleted',
          targetType: 'organization',
          targetId: input.orgId,
          metadata: { certificate: { requestedAt: input.requestedAt, requestedBy: input.requestedBy, completedAt, erased: input.erased, kept, dataKey: 'destroyed' } },
        });
        // A platform notice: the organization it would name is gone.
        return deps.notifier.write({ kind: 'privacy.deletion_completed', orgId: null, payload: { completedAt }, to: { emails: input.recipients }, cause: `deletion-completed:${input.orgId}` }, trx);
      });
      await deps.notifier.start(written);
    },

    /** Erasure is still running as the 30-day deadline nears: operators must look now. */
    async alertDeletionAtRisk(input: { orgId: string; deadlineAt: string }): Promise<void> {
      deps.logger.error({ orgId: input.orgId, deadlineAt: input.deadlineAt, alert: 'deletion_deadline_at_risk' }, 'account deletion is not finished and its 30-day deadline is near');
    },
  };
}

export type DeletionActivities = ReturnType<typeof createDeletionActivities>;
