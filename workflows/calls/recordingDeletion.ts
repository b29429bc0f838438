import { proxyActivities } from '@temporalio/workflow';
import type { CallActivities } from '../../activities/calls/calls';
import type { RecordingDeletionInput } from './definitions';

/**
 * Deletes one call's recordings at Twilio, `recordings-delete:<callId>`: started by an admin through the
 * API (and, later, by retention). Twilio being down only delays it: the activity retries until it is done.
 */

const { deleteCallRecordings } = proxyActivities<CallActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes' },
});

export async function recordingDeletionWorkflow(input: RecordingDeletionInput): Promise<{ deleted: number }> {
  return deleteCallRecordings(input);
}
