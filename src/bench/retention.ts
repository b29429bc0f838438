import type { Services } from '../services';
import { createOrganization } from '../accounts/createOrganization';
import { seedCalls } from './expiredCalls';

const perMinute = (calls: number, ms: number) => Math.round((calls / ms) * 60_000);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * Retention sweep throughput, in expired calls deleted per minute (each with its transcript turns and
 * messages), measured three ways in one run:
 * - baseline: one bare DELETE of an organization's expired calls (cascading), no batches, no workflow;
 * - the sweep (the real workflow on the worker) over the same number of expired calls;
 * - the sweep again with `recent` times as many unexpired calls in the table, to show that its cost follows
 *   the expired rows, not the table's size.
 */
export async function measureRetention(services: Services, options: { calls: number; recentFactor: number }, say: (line?: string) => void): Promise<void> {
  const { db } = services;
  const org = (name: string) => createOrganization(db, services.keyring, { name, timeZone: 'UTC' });
  const seed = async (name: string, count: number, ageDays: number) => {
    const { id } = await org(name);
    await seedCalls(services, id, { count, ageDays, turnsPerCall: 4 });
    return id;
  };
  const sweep = () =>
    services.temporal.workflow.execute('retentionSweepWorkflow', { workflowId: `retention-sweep:bench-${Date.now()}`, taskQueue: services.config.temporal.taskQueue, args: [{}] });

  say(`Seeding ${options.calls.toLocaleString('en')} expired calls (4 transcript turns each, a message per ten)...`);
  const bare = await seed('Retention baseline', options.calls, 120);
  const bareMs = await timed(() => db('calls').where({ org_id: bare }).where('started_at', '<', db.raw(`now() - interval '90 days'`)).del());

  await seed('Retention small table', options.calls, 120);
  const smallMs = await timed(sweep);

  say(`Seeding ${(options.calls * options.recentFactor).toLocaleString('en')} recent calls and ${options.calls.toLocaleString('en')} more expired ones...`);
  await seed('Retention recent history', options.calls * options.recentFactor, 10);
  await seed('Retention large table', options.calls, 120);
  await db.raw('analyze calls, transcript_turns, messages');
  const largeMs = await timed(sweep);

  say();
  say(`Retention sweep (${options.calls.toLocaleString('en')} expired calls each, batches of ${services.config.retention.batchSize}):`);
  const line = (label: string, ms: number) => say(`  ${label.padEnd(56)}${perMinute(options.calls, ms).toLocaleString('en').padStart(11)} calls/min`);
  line('baseline: one bare DELETE, no batches, no workflow', bareMs);
  line('sweep workflow', smallMs);
  line(`sweep workflow, ${options.recentFactor}× as many recent calls in the table`, largeMs);
  say(`  target: ≥ 100,000 calls/min on this machine`);
}
