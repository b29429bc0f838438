import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/** With RECORD_HISTORIES=1, keeps a finished workflow's history in test/histories for the replay test. */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  await handle.result().catch(() => undefined);
  writeFileSync(path.join(__dirname, '..', 'histories', `${name}.json`), historyToJSON(await handle.fetchHistory()));
}

/** The same, for the first completed run a visibility query finds (runs a schedule started), once one exists. */
export async function recordFirstCompleted(client: Client, query: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const completed = `${query} AND ExecutionStatus = 'Completed'`;
  for (let waited = 0; (await client.workflow.count(completed)).count === 0; waited += 200) {
    if (waited > 15_000) throw new Error(`no completed run for ${query}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  for await (const run of client.workflow.list({ query: completed })) return recordHistory(client.workflow.getHandle(run.workflowId, run.runId), name);
}

/** The same, for one run of a workflow that goes on (continues as new): kept once that run has closed. */
export async function recordRun(client: Client, workflowId: string, runId: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const handle = client.workflow.getHandle(workflowId, runId);
  for (let waited = 0; (await handle.describe()).status.name === 'RUNNING'; waited += 200) {
    if (waited > 60_000) throw new Error(`run ${runId} of ${workflowId} did not close`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  writeFileSync(path.join(__dirname, '..', 'histories', `${name}.json`), historyToJSON(await handle.fetchHistory()));
}
