import { ActivityFailure, proxyActivities, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { DataRequestActivities } from '../../activities/privacy/dataRequests';
import type { DataExportInput } from './dataRequestDefinitions';
import { ExportStatus } from './dataRequestDefinitions';

/**
 * A data export, `export:<requestId>`: the archive is built and stored encrypted, the requester gets a
 * single-use link, and when the link expires the archive is dropped (at once, if downloaded before).
 */
const requests = proxyActivities<DataRequestActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes', maximumAttempts: 10 },
});

export async function dataExportWorkflow(input: DataExportInput): Promise<{ status: 'expired' | 'downloaded' | 'failed' }> {
  upsertSearchAttributes([{ key: ExportStatus, value: 'building' }]);
  let expiresAt: string;
  try {
    ({ expiresAt } = await requests.buildExport({ requestId: input.requestId, linkTtlMs: input.linkTtlMs }));
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await requests.failDataRequest({ requestId: input.requestId, reason: 'the export could not be built' });
    upsertSearchAttributes([{ key: ExportStatus, value: 'failed' }]);
    return { status: 'failed' };
  }
  upsertSearchAttributes([{ key: ExportStatus, value: 'ready' }]);
  await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()));
  const status = await requests.expireExport({ requestId: input.requestId });
  upsertSearchAttributes([{ key: ExportStatus, value: status }]);
  return { status };
}
