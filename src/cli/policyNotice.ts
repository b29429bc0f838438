/**
 * `npm run notify:policy -- --title "Privacy policy update" --effective 2027-01-01 --url https://… --summary "…"`:
 * tells every user about a material policy change (the `policyNoticeWorkflow`), and waits for it. The
 * workflow id is derived from the notice, so running the command again attaches to the same run and
 * nobody is told twice.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { loadConfig } from '../platform/config';
import { runEntryPoint } from '../platform/lifecycle';
import { connectClient } from '../platform/temporal/connection';
import { policyNoticeWorkflow } from '../../workflows/notifications/policyNotice';

const Notice = z.object({
  title: z.string().trim().min(1).max(200),
  effective: z.iso.date({ error: 'must be a date, YYYY-MM-DD' }).or(z.iso.datetime({ offset: true })),
  url: z.url({ protocol: /^https?$/ }),
  summary: z.string().trim().min(1).max(1000),
});

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { title: { type: 'string' }, effective: { type: 'string' }, url: { type: 'string' }, summary: { type: 'string' } } });
  const parsed = Notice.safeParse(values);
  if (!parsed.success) throw new Error(`usage: npm run notify:policy -- --title … --effective YYYY-MM-DD --url https://… --summary … (${parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ')})`);
  const { title, effective, url, summary } = parsed.data;
  const effectiveAt = new Date(effective).toISOString();
  const config = loadConfig(process.env);
  const client = await connectClient(config.temporal);
  const workflowId = `policy-notice:${effectiveAt.slice(0, 10)}-${createHash('sha256').update(`${title}\n${url}`).digest('hex').slice(0, 8)}`;
  try {
    const handle = await client.workflow
      .start(policyNoticeWorkflow, { taskQueue: config.temporal.taskQueue, workflowId, args: [{ notice: { title, effectiveAt, url, summary } }] })
      .catch((err: unknown) => {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(workflowId);
        throw err;
      });
    process.stdout.write(`Waiting for ${workflowId}...\n`);
    const { notified } = await handle.result();
    process.stdout.write(`${notified} user(s) notified of "${title}".\n`);
  } finally {
    await client.connection.close();
  }
}

runEntryPoint(main);
