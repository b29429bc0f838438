import { condition, patched, proxyActivities, setHandler, sleep, upsertSearchAttributes, CancellationScope } from '@temporalio/workflow';
import type { DeletionActivities } from '../../activities/privacy/deletion';
import { cancelDeletionSignal, deletionProgressQuery, type DeletionRequest, type DeletionState } from './deletionDefinitions';
import { DeletionStatus } from './deletionDefinitions';

/**
 * Account deletion, `deletion:<orgId>`: the owners are told, the grace period runs (an owner can cancel
 * it from the API), then the organization is erased: at Twilio and Stripe first, then its data here, its
 * data key last (crypto-shredding: any copy left anywhere, Temporal histories included, can no longer be
 * read), and a deletion certificate goes to the audit log. Erasure must finish within 30 days of the
 * request: if it is still running well before then, operators are alerted.
 */
const steps = proxyActivities<DeletionActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumInterval: '30 minutes' },
});

export async function deletionWorkflow(request: DeletionRequest): Promise<{ state: DeletionState }> {
  const requestedAt = Date.parse(request.requestedAt);
  const erasureAt = requestedAt + request.graceMs;
  const deadlineAt = requestedAt + request.deadlineMs;
  let state: DeletionState = 'grace';
  let cancelledBy: string | undefined;
  let atRisk = false;
  setHandler(cancelDeletionSignal, ({ by }) => {
    if (state === 'grace') cancelledBy ??= by;
  });
  setHandler(deletionProgressQuery, () => ({
    state,
    requestedAt: request.requestedAt,
    erasureAt: new Date(erasureAt).toISOString(),
    deadlineAt: new Date(deadlineAt).toISOString(),
    atRisk,
  }));
  const setState = (next: DeletionState) => {
    state = next;
    upsertSearchAttributes([{ key: DeletionStatus, value: next }]);
  };
  setState('grace');

  await steps.announceDeletion({ orgId: request.orgId, requestedBy: request.requestedBy, erasureAt: new Date(erasureAt).toISOString() });
  if (await condition(() => cancelledBy !== undefined, Math.max(0, erasureAt - Date.now()))) {
    setState('cancelled');
    await steps.cancelDeletion({ orgId: request.orgId, cancelledBy: cancelledBy! });
    return { state };
  }

  setState('erasing');
  // The deadline watch runs beside the erasure and stops when it is done.
  const watch = new CancellationScope();
  const watching = watch
    .run(async () => {
      const wait = deadlineAt - request.alertBeforeMs - Date.now();
      if (wait > 0) await sleep(wait);
      atRisk = true;
      await steps.alertDeletionAtRisk({ orgId: request.orgId, deadlineAt: new Date(deadlineAt).toISOString() });
    })
    .catch(() => undefined);

  const recipients = await steps.ownerAddresses({ orgId: request.orgId });
  // Deletions started before this step existed go on without it (their recorded histories replay).
  const stoppedWorkflows = patched('stop-organization-workflows') ? await steps.stopOrganizationWorkflows({ orgId: request.orgId }) : undefined;
  const atProviders = await steps.eraseAtProviders({ orgId: request.orgId });
  const erased = await steps.eraseData({ orgId: request.orgId });
  await steps.destroyDataKey({ orgId: request.orgId });
  await steps.certifyDeletion({ orgId: request.orgId, requestedAt: request.requestedAt, requestedBy: request.requestedBy, erased: { ...atProviders, ...erased, ...(stoppedWorkflows === undefined ? {} : { workflowsStopped: stoppedWorkflows }) }, recipients });
  watch.cancel();
  await watching;
  setState('completed');
  return { state };
}
