import { createDataRequestActivities } from '../../activities/privacy/dataRequests';
import { createDeletionActivities } from '../../activities/privacy/deletion';
import { createRetentionActivities } from '../../activities/privacy/retention';
import { createMinorErasureActivities } from '../../activities/privacy/minorErasure';
import { ExportStatus } from '../../workflows/privacy/dataRequestDefinitions';
import { DeletionStatus } from '../../workflows/privacy/deletionDefinitions';
import { SweepStatus } from '../../workflows/privacy/retentionDefinitions';
import type { Domain } from '../platform/domainContract';
import { idPattern } from '../platform/registration';
import type { ActivityDeps } from '../deps';
import { dataRequestRoutes } from './api/dataRequests';
import { deletionRoutes } from './api/deletion';
import { legalHoldRoutes } from './api/legalHolds';
import { processingLimitRoutes } from './api/processingLimits';

/** Retention, account deletion, exports, caller erasure, restriction and objection: what the privacy policy promises. */
export const privacyDomain: Domain<ActivityDeps, never> = {
  name: 'privacy',
  workflows: [
    // The sweep's schedule id is RETENTION_SCHEDULE_ID, which must begin `retention-sweep`.
    { type: 'retentionSweepWorkflow', id: /^retention-sweep(?:[_:-].*)?$/, owner: { kind: 'platform', why: "applies every organization's policy; its payloads are counts" } },
    { type: 'deletionWorkflow', id: idPattern('deletion'), owner: { kind: 'org-in-id' } },
    { type: 'dataExportWorkflow', id: idPattern('export'), owner: { kind: 'row', table: 'data_requests', column: 'id' } },
    { type: 'callerErasureWorkflow', id: idPattern('caller-erasure'), owner: { kind: 'row', table: 'data_requests', column: 'id' } },
    { type: 'minorErasureWorkflow', id: /^minor-erasure:(org_[0-9a-z]+):usr_[0-9a-z]+$/, owner: { kind: 'org-in-id' } },
  ],
  activities: (deps) => [
    createRetentionActivities({ ...deps, batchSize: deps.config.retention.batchSize, tables: deps.registry.tables }),
    createDeletionActivities({ ...deps, tables: deps.registry.tables }),
    createDataRequestActivities({ ...deps, exportSections: deps.registry.exports }),
    createMinorErasureActivities(deps),
  ],
  routes: [...deletionRoutes, ...dataRequestRoutes, ...legalHoldRoutes, ...processingLimitRoutes],
  searchAttributes: [SweepStatus, DeletionStatus, ExportStatus],
  tables: [
    { table: 'data_requests', onDeletion: 'erase', order: 140, retention: 'account' },
    { table: 'processing_limits', onDeletion: 'erase', order: 145, retention: 'account' },
    { table: 'retention_sweep_orgs', onDeletion: 'keep', why: 'retention sweep figures (counts only, no content)', retention: 'account' },
  ],
  globalTables: ['retention_runs'],
  reads: ['users', 'sessions', 'organizations', 'recordings', 'calls', 'appointments', 'messages', 'memberships', 'calendar_connections', 'audit_log', 'notifications', 'learners', 'product_analytics', 'analytics_consents'],
  notificationKinds: ['privacy.export_ready', 'privacy.deletion_requested', 'privacy.deletion_cancelled', 'privacy.deletion_completed'],
};
