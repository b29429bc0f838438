import { createAgentActivities } from '../../activities/calls/agent';
import { createCallAnalysisActivities } from '../../activities/calls/callAnalysis';
import { createCallActivities } from '../../activities/calls/calls';
import { CallStatus } from '../../workflows/calls/definitions';
import { llmProvider, TWILIO } from '../platform/processors';
import type { Domain } from '../platform/domainContract';
import { idPattern } from '../platform/registration';
import type { ActivityDeps, AppDeps } from '../deps';
import { callRoutes } from './api/calls';
import { trialCallRoutes } from './api/trialCalls';
import { voiceRoutes } from './api/voice';
import { callsExport } from './exportSection';

/** Answering a call: the voice webhooks, the call workflow and its agent, transcripts, messages, recordings. */
export const callsDomain: Domain<ActivityDeps, AppDeps> = {
  name: 'calls',
  workflows: [
    { type: 'callWorkflow', id: idPattern('call'), owner: { kind: 'row', table: 'calls', column: 'call_sid' } },
    { type: 'recordingDeletionWorkflow', id: idPattern('recordings-delete'), owner: { kind: 'row', table: 'calls', column: 'id' } },
  ],
  activities: (deps) => [
    createCallActivities(deps),
    createAgentActivities({ ...deps, turnBudgetMs: deps.config.llm.turnTimeoutMs }),
    createCallAnalysisActivities({ ...deps, llmConfigured: Boolean(deps.config.llm.apiKey) }),
  ],
  routes: [...callRoutes, ...trialCallRoutes],
  mounts: (deps) => [{ path: '/twilio/voice', router: voiceRoutes(deps) }],
  searchAttributes: [CallStatus],
  tables: [
    { table: 'messages', onDeletion: 'erase', order: 40, retention: 'call-content' },
    { table: 'calls', onDeletion: 'erase', order: 50, retention: 'call-content' },
    { table: 'transcript_turns', onDeletion: 'with-parent', parent: 'calls', retention: 'call-content' },
    { table: 'recordings', onDeletion: 'with-parent', parent: 'calls', retention: 'recordings' },
    { table: 'trial_calls', onDeletion: 'erase', order: 45, retention: 'account' },
  ],
  exports: [callsExport],
  reads: ['organizations', 'usage_records', 'phone_numbers'],
  notificationKinds: ['calls.message_taken'],
  processors: [
    TWILIO,
    llmProvider('the agent that answers calls, and call summaries', ['what callers say', 'names and numbers callers give']),
  ],
};
