import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db, Tx } from '../platform/db/knex';
import { newId } from '../platform/db/ids';
import type { Logger } from '../platform/logger';
import { notificationWorkflowId } from '../../workflows/notifications/definitions';
import { OrgId } from '../../workflows/platform/searchAttributes';
import { KINDS, type NotificationKind, type NotificationPayloads } from './kinds';
import { resolveDeliveries, type Recipients } from './recipients';

export interface NotifyRequest<K extends NotificationKind = NotificationKind> {
  kind: K;
  orgId: string | null;
  payload: NotificationPayloads[K];
  to: Recipients;
  /** Names the occurrence that causes it (e.g. `api-key-created:<keyId>`): one cause never notifies twice. */
  cause: string;
}

/** Rows written and not yet sent: what `start` takes once their transaction has committed. */
export type Written = Array<{ id: string; orgId: string | null; unsent: boolean }>;

export interface Notifier {
  /** Writes one row per (channel, address) and starts each row's delivery workflow; returns the row ids. */
  notify<K extends NotificationKind>(request: NotifyRequest<K>): Promise<string[]>;
  /**
   * Writes the rows only, inside the caller's transaction (a tenant one works): the change and its
   * notices commit together. Start them after the commit; if the process dies first, the relay does.
   */
  write<K extends NotificationKind>(request: NotifyRequest<K>, db: Db | Tx): Promise<Written>;
  /** Starts delivery of rows already written (not those already sent); a delivery already running is left alone. */
  start(rows: Array<{ id: string; orgId: string | null; unsent?: boolean }>): Promise<void>;
}

/**
 * The one way anything in Callgenly notifies someone. The row is the record (the delivery log) and its
 * idempotency key makes a repeated cause a no-op; the workflow `notification:<id>` does the sending.
 * If the process dies between the write and the start, the relay schedule starts it later.
 */
export function createNotifier(deps: { db: Db; temporal: Client; taskQueue: string; logger: Logger }): Notifier {
  const notifier: Notifier = {
    async notify(request) {
      const written = await notifier.write(request, deps.db);
      await notifier.start(written);
      return written.map((r) => r.id);
    },

    async write(request, db) {
      const deliveries = await resolveDeliveries(db, request.kind, request.orgId, request.to);
      if (deliveries.length === 0) return [];
      const rows = deliveries.map((d) => ({
        id: newId('ntf'),
        org_id: request.orgId,
        user_id: d.userId,
        kind: request.kind,
        channel: d.channel,
        recipient: d.recipient,
        payload: JSON.stringify(request.payload),
        idempotency_key: `${request.cause}:${d.channel}:${d.recipient.toLowerCase()}`,
        mandatory: KINDS[request.kind].mandatory,
      }));
      await db('notifications').insert(rows).onConflict('idempotency_key').ignore();
      // Rows written by an earlier attempt of the same cause keep their ids: start those, not new ones.
      const stored: Array<{ id: string; status: string }> = await db('notifications')
        .whereIn('idempotency_key', rows.map((r) => r.idempotency_key))
        .select('id', 'status');
      return stored.map((r) => ({ id: r.id, orgId: request.orgId, unsent: r.status === 'pending' || r.status === 'sending' }));
    },

    async start(rows) {
      const started: string[] = [];
      for (const { id, orgId } of rows.filter((r) => r.unsent !== false)) {
        try {
          await deps.temporal.workflow.start('notificationWorkflow', {
            workflowId: notificationWorkflowId(id),
            taskQueue: deps.taskQueue,
            args: [{ notificationId: id }],
            // A delivery that ended (sent, suppressed, failed for good) is never started again.
            workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
            typedSearchAttributes: orgId ? [{ key: OrgId, value: orgId }] : [],
          });
          started.push(id);
        } catch (error) {
          if (error instanceof WorkflowExecutionAlreadyStartedError) started.push(id);
          // Otherwise the row is written: the relay starts it once Temporal answers again.
          else deps.logger.warn({ err: (error as Error).message, notificationId: id }, 'notification delivery not started yet');
        }
      }
      if (started.length > 0) await deps.db('notifications').whereIn('id', started).whereNull('workflow_started_at').update({ workflow_started_at: deps.db.fn.now() });
    },
  };
  return notifier;
}
