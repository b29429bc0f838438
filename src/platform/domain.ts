import { createKeyActivities } from '../../activities/platform/keys';
import { KeyRotationStatus, OrgId } from '../../workflows/platform/searchAttributes';
import { dataKeysRepository } from './crypto/dataKeysRepository';
import type { Domain } from './domainContract';
import { idPattern } from './registration';
import { codecRoutes } from './temporal/codecServer';
import type { ActivityDeps, AppDeps } from '../deps';

/** What every domain stands on that is itself a workflow, a route or a table: keys and the codec server. */
export const platformDomain: Domain<ActivityDeps, AppDeps> = {
  name: 'platform',
  workflows: [{ type: 'keyRotationWorkflow', id: idPattern('key-rotation'), owner: { kind: 'platform', why: 're-wraps data keys by id; carries no key material' } }],
  activities: (deps) => [createKeyActivities({ keyring: deps.keyring, dataKeys: dataKeysRepository(deps.db), currentMasterKeyId: deps.config.masterKeys.current?.id })],
  mounts: (deps) => [{ path: '/codec', router: codecRoutes(deps) }],
  searchAttributes: [OrgId, KeyRotationStatus],
  tables: [{ table: 'org_data_keys', onDeletion: 'keep', why: 'destroyed, not deleted: the key material is gone, the row records when', retention: 'account' }],
  globalTables: ['rate_limit_hits', 'webhook_receipts'],
  reads: ['organizations'],
  processors: [
    { name: 'Database host (DATABASE_URL)', role: 'stores all data, personal data encrypted per organization', data: ['all categories above'], location: 'where the operator runs PostgreSQL' },
    { name: 'Temporal (TEMPORAL_ADDRESS)', role: 'runs the durable workflows; keeps their histories', data: ['workflow inputs and results (encrypted for organizations that ask)'], location: 'where the operator runs Temporal (self-hosted or Temporal Cloud)' },
  ],
};
