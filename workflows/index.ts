// Every workflow the worker runs. Workflow code is deterministic: no I/O, no Node built-ins.
export { keyRotationWorkflow } from './keyRotation';
export { callWorkflow } from './call';
export { recordingDeletionWorkflow } from './recordingDeletion';
export { bookingWorkflow } from './booking';
export { notificationWorkflow } from './notification';
export { usageReportWorkflow } from './usageReport';
export { notificationRelayWorkflow } from './notificationRelay';
export { policyNoticeWorkflow } from './policyNotice';
export { usageCatchUpWorkflow } from './usageCatchUp';
export { billingCycleWorkflow } from './billing';
export { retentionSweepWorkflow } from './retentionSweep';
export { deletionWorkflow } from './deletion';
export { dataExportWorkflow } from './dataExport';
export { callerErasureWorkflow } from './callerErasure';
