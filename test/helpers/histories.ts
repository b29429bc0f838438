import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/** With RECORD_HISTORIES=1, keeps a finished workflow's history in test/histories for the replay test. */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  await handle.result().catch(() => undefined);
  writeFileSync(path.join(__dirname, '..', 'histories', `${name}.json`), historyToJSON(await handle.fetchHistory()));
}
