import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { newId } from '../db/ids';
import type { Logger } from '../logger';
import { notificationWorkflowId } from '../../workflows/notificationDefinitions';
import { OrgId } from '../../workflows/searchAttributes';
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

export interface Notifier {
  /** Writes one row per (channel, address) and starts each row's delivery workflow; returns the row ids. */
  notify<K extends NotificationKind>(request: NotifyRequest<K>): Promise<string[]>;
  /** Starts delivery of rows already written; a delivery already running or finished is left alone. */
  start(ids: Array<{ id: string; orgId: string | null }>): Promise<void>;
}

/**
 * The one way anything in Callgenly notifies someone. The row is the record (the delivery log) and its
 * idempotency key makes a repeated cause a no-op; the workflow `notification:<id>` does the sending.
 * If the process dies between the write and the start, the relay schedule starts it later.
 */
export function createNotifier(deps: { db: Db; temporal: Client; taskQueue: string; logger: Logger }): Notifier {
  const notifier: Notifier = {
    async notify(request) {
      const deliveries = await resolveDeliveries(deps.db, request.kind, request.orgId, request.to);
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
      await deps.db('notifications').insert(rows).onConflict('idempotency_key').ignore();
      // Rows written by an earlier attempt of the same cause keep their ids: start those, not new ones.
      const stored: Array<{ id: string; status: string }> = await deps.db('notifications')
        .whereIn('idempotency_key', rows.map((r) => r.idempotency_key))
        .select('id', 'status');
      const unsent = stored.filter((r) => r.status === 'pending' || r.status === 'sending');
      await notifier.start(unsent.map((r) => ({ id: r.id, orgId: request.orgId })));
      return stored.map((r) => r.id);
    },

    async start(ids) {
      const started: string[] = [];
      for (const { id, orgId } of ids) {
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
