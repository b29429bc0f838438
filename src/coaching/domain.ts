import { createPracticeAnalysisActivities } from '../../activities/coaching/analysis';
import { createPronunciationActivities } from '../../activities/coaching/pronunciation';
import { createPracticeCallActivities } from '../../activities/coaching/practiceCalls';
import { createWeeklyProgressActivities } from '../../activities/coaching/weeklyProgress';
import { PracticeCallStatus } from '../../workflows/coaching/definitions';
import { llmProvider, TWILIO } from '../platform/processors';
import type { Domain } from '../platform/domainContract';
import { idPattern } from '../platform/registration';
import type { ActivityDeps, AppDeps } from '../deps';
import { balanceRoutes } from './api/balance';
import { learnerRoutes } from './api/learners';
import { kvkkRoutes } from './api/kvkk';
import { levelRoutes } from './api/levels';
import { progressRoutes } from './api/progress';
import { planRoutes } from './api/plans';
import { practiceAnswerRoutes } from './api/practiceAnswer';
import { analysisRoutes, practiceCallRoutes } from './api/practiceCalls';
import { settingsRoutes } from './api/settings';
import { topicRoutes } from './api/topics';
import { vapiEventRoutes } from './api/vapiEvents';
import { coachingExport } from './exportSection';

/**
 * The English coach: learners of a coaching organization, their consent to be called, topics, call plans
 * (Temporal Schedules) and the practice calls they place through Vapi or the built-in Twilio engine, paid
 * from each learner's own balance. Built on the README's "Adding a domain".
 */
export const coachingDomain: Domain<ActivityDeps, AppDeps> = {
  name: 'coaching',
  workflows: [
    // Started by the schedule `coach-plan:<planId>` (or "call me now"): the id names the plan.
    { type: 'practiceCallWorkflow', id: idPattern('practice-call', { scheduled: true }), owner: { kind: 'row', table: 'coach_plans', column: 'id' } },
    { type: 'weeklyProgressWorkflow', id: idPattern('coach-progress', { scheduled: true }), owner: { kind: 'org-in-id' } },
    { type: 'practiceAnalysisWorkflow', id: idPattern('practice-analysis'), owner: { kind: 'row', table: 'practice_calls', column: 'id' } },
  ],
  activities: (deps) => [createPracticeCallActivities(deps), createPracticeAnalysisActivities(deps), createPronunciationActivities(deps), createWeeklyProgressActivities(deps)],
  routes: [...learnerRoutes, ...topicRoutes, ...planRoutes, ...practiceCallRoutes, ...analysisRoutes, ...levelRoutes, ...progressRoutes, ...kvkkRoutes, ...balanceRoutes, ...settingsRoutes],
  mounts: (deps) => [
    { path: '/vapi', router: vapiEventRoutes(deps) },
    { path: '/twilio/coach', router: practiceAnswerRoutes(deps) },
  ],
  searchAttributes: [PracticeCallStatus],
  tables: [
    { table: 'practice_analyses', onDeletion: 'erase', order: 44, retention: 'account' },
    { table: 'learner_level_history', onDeletion: 'erase', order: 144, retention: 'account' },
    { table: 'learner_words', onDeletion: 'erase', order: 141, retention: 'account' },
    { table: 'learner_word_reviews', onDeletion: 'erase', order: 142, retention: 'account' },
    { table: 'learner_mistakes', onDeletion: 'erase', order: 143, retention: 'account' },
    // Before calls (order 50): a practice call points at the call holding its transcript.
    { table: 'practice_calls', onDeletion: 'erase', order: 45, retention: 'account' },
    { table: 'coach_plans', onDeletion: 'erase', order: 46, retention: 'account' },
    // Before memberships (order 150): a learner's profile goes with the organization's people.
    { table: 'learners', onDeletion: 'erase', order: 145, retention: 'account' },
    { table: 'coach_topics', onDeletion: 'erase', order: 146, retention: 'account' },
    { table: 'coach_settings', onDeletion: 'erase', order: 147, retention: 'account' },
    { table: 'coach_consents', onDeletion: 'keep', why: 'evidence of consent to be called (TCPA): who agreed to which words, for which number, and when it was withdrawn', retention: 'consent-evidence' },
    { table: 'coach_opt_outs', onDeletion: 'keep', why: 'the do-not-call list: a number that asked not to be called is never called again by mistake', retention: 'consent-evidence' },
  ],
  reads: ['organizations', 'users', 'phone_numbers', 'calls', 'balance_ledger', 'audit_log'],
  notificationKinds: ['coaching.balance_low', 'coaching.call_not_placed', 'coaching.weekly_progress'],
  exports: [coachingExport],
  processors: [
    { name: 'Vapi', role: 'places and holds practice calls (voice, speech recognition, the coach model); keeps recordings up to 30 days', data: ['phone number and name', 'call audio and recordings', 'transcripts'], location: 'United States', when: 'VAPI_API_KEY is set' },
    TWILIO,
    { name: 'Anthropic', role: 'analyses the learner’s side of each practice call', data: ['transcripts of the learner’s speech', 'native language and stated level'], location: 'United States', when: 'ANTHROPIC_API_KEY is set' },
    { name: 'Microsoft (Azure AI Speech)', role: 'scores the pronunciation of the learner’s side of each practice call, from its recording', data: ['recordings of the learner’s speech'], location: 'the Azure region AZURE_SPEECH_REGION names', when: 'AZURE_SPEECH_KEY is set' },
    llmProvider('the coach on the built-in engine, or the analysis when Anthropic is not configured', ['transcripts of the learner’s speech']),
  ],
};
