import { WorkflowFailedError } from '@temporalio/client';
import { generateMasterKeySpec } from '../../src/platform/crypto/masterKeys';
import { dataKeysRepository } from '../../src/platform/crypto/dataKeysRepository';
import type { Services } from '../../src/services';
import { keyRotationProgressQuery, keyRotationWorkflow } from '../../workflows/platform/keyRotation';
import { KeyRotationStatus } from '../../workflows/platform/searchAttributes';
import { makeOrganization } from '../helpers/organizations';
import { freshDatabase, testConfig, testServices, withWorker } from '../helpers/stack';
import { recordHistory } from '../helpers/histories';

/**
 * The key-rotation workflow end to end: a real worker on the real Temporal server re-wraps every data key
 * in a database of its own under the new master key, in batches.
 */
const CONTEXT = 'messages.body';
const oldKey = generateMasterKeySpec('old');
const newKey = generateMasterKeySpec('new');
let databaseUrl: string;
let before: Services; // the platform before rotation: only the old master key
let after: Services; // after: the new master key current, the old one retired

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  before = await testServices(testConfig({ DATABASE_URL: databaseUrl, MASTER_KEY: oldKey }));
  after = await testServices(testConfig({ DATABASE_URL: databaseUrl, MASTER_KEY: newKey, MASTER_KEYS_RETIRED: oldKey }));
});
afterAll(async () => {
  await before.close();
  await after.close();
});

test('re-wraps every organization under the new master key and reports progress', async () => {
  const orgs = [];
  for (let i = 0; i < 5; i++) orgs.push(await makeOrganization(before));
  await before.keyring.rotateDataKey(orgs[0]!.id); // one organization has two key versions
  const secrets = await Promise.all(orgs.map((o) => before.fields.encrypt(o.id, CONTEXT, `secret of ${o.id}`)));

  const workflowId = `key-rotation:new:${Date.now()}`;
  const result = await withWorker(after, async () => {
    const handle = await after.temporal.workflow.start(keyRotationWorkflow, {
      taskQueue: after.config.temporal.taskQueue,
      workflowId,
      args: [{ masterKeyId: 'new', batchSize: 2 }],
    });
    const done = await handle.result();
    expect(await handle.query(keyRotationProgressQuery)).toEqual(done);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(KeyRotationStatus)).toBe('completed');
    await recordHistory(handle, 'keyRotation');
    return done;
  });

  expect(result).toMatchObject({ organizations: 5, keysRewrapped: 6 });
  const rows = await dataKeysRepository(after.db).listForOrg(orgs[0]!.id);
  expect(rows.map((r) => r.master_key_id)).toEqual(['new', 'new']);
  expect(await after.db('org_data_keys').whereNot({ master_key_id: 'new' }).count({ n: '*' })).toEqual([{ n: '0' }]);

  // The old master key is no longer needed to read anything.
  const onlyNew = await testServices(testConfig({ DATABASE_URL: databaseUrl, MASTER_KEY: newKey }));
  try {
    for (const [i, org] of orgs.entries()) {
      expect(await onlyNew.fields.decrypt(org.id, CONTEXT, secrets[i]!)).toBe(`secret of ${org.id}`);
    }
  } finally {
    await onlyNew.close();
  }
});

test('a worker whose MASTER_KEY differs from the requested one fails the rotation without retrying', async () => {
  await makeOrganization(before);
  const run = withWorker(before, () =>
    before.temporal.workflow.execute(keyRotationWorkflow, {
      taskQueue: before.config.temporal.taskQueue,
      workflowId: `key-rotation:mismatch:${Date.now()}`,
      args: [{ masterKeyId: 'new' }],
    }),
  );
  await expect(run).rejects.toThrow(WorkflowFailedError);
  await expect(run).rejects.toMatchObject({ cause: { cause: { type: 'MasterKeyMismatch' } } });
  // Nothing was re-wrapped under the wrong key.
  expect(await before.db('org_data_keys').where({ master_key_id: 'old' }).count({ n: '*' })).toEqual([{ n: '1' }]);
});
