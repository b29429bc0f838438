/**
 * `npm run keys:rotate`: after deploying a new MASTER_KEY (the previous one moved to MASTER_KEYS_RETIRED),
 * starts the key-rotation workflow that re-wraps every organization's data keys, and waits for it.
 * Watch it in the Temporal UI as `key-rotation:<new key id>`; run again, it attaches to the same run.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { loadConfig } from '../platform/config';
import { runEntryPoint } from '../platform/lifecycle';
import { connectClient } from '../platform/temporal/connection';
import { keyRotationWorkflow } from '../../workflows/platform/keyRotation';

async function main(): Promise<void> {
  const config = loadConfig(process.env, { require: ['MASTER_KEY'] });
  const masterKeyId = config.masterKeys.current!.id;
  const client = await connectClient(config.temporal);
  const workflowId = `key-rotation:${masterKeyId}`;
  try {
    const handle = await client.workflow
      .start(keyRotationWorkflow, { taskQueue: config.temporal.taskQueue, workflowId, args: [{ masterKeyId }] })
      .catch((err: unknown) => {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(workflowId);
        throw err;
      });
    process.stdout.write(`Waiting for ${workflowId}...\n`);
    const result = await handle.result();
    process.stdout.write(`Re-wrapped ${result.keysRewrapped} data key(s) of ${result.organizations} organization(s) under "${masterKeyId}".\n`);
  } finally {
    await client.connection.close();
  }
}

runEntryPoint(main);
