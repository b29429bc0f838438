// Every workflow the worker runs. Workflow code is deterministic: no I/O, no Node built-ins.
export { keyRotationWorkflow } from './platform/keyRotation';
export { callWorkflow } from './calls/call';
export { recordingDeletionWorkflow } from './calls/recordingDeletion';
export { bookingWorkflow } from './booking/booking';
export { notificationWorkflow } from './notifications/notification';
export { usageReportWorkflow } from './notifications/usageReport';
export { notificationRelayWorkflow } from './notifications/notificationRelay';
export { policyNoticeWorkflow } from './notifications/policyNotice';
export { usageCatchUpWorkflow } from './billing/usageCatchUp';
export { billingCycleWorkflow } from './billing/billingCycle';
export { retentionSweepWorkflow } from './privacy/retentionSweep';
export { deletionWorkflow } from './privacy/deletion';
export { dataExportWorkflow } from './privacy/dataExport';
export { callerErasureWorkflow } from './privacy/callerErasure';
export { practiceCallWorkflow } from './coaching/practiceCall';
export { practiceAnalysisWorkflow } from './coaching/practiceAnalysis';
export { weeklyProgressWorkflow } from './coaching/weeklyProgress';
