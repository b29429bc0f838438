import { z } from 'zod';
import { callHistoryRepository } from '../../calls/repositories/callHistory';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { PRACTICE_ANALYSIS_CONTEXT, TRANSCRIPT_CONTEXT } from '../../platform/crypto/fieldContexts';
import { OrgId } from '../../../workflows/platform/searchAttributes';
import { practiceAnalysisWorkflowId } from '../../../workflows/coaching/definitions';
import type { practiceAnalysisWorkflow } from '../../../workflows/coaching/practiceAnalysis';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { idOf, iso, Timestamp } from '../../platform/http/v1/schemas';

/** A practice call as the learner and staff see it: placed or refused (and why), its outcome and cost. */
const PracticeCall = z
  .object({
    id: z.string(),
    planId: z.string(),
    userId: z.string(),
    topicId: z.string().nullable(),
    engine: z.enum(['vapi', 'twilio']),
    trigger: z.enum(['schedule', 'now']),
    status: z.enum(['checking', 'refused', 'dialing', 'in_progress', 'retry_wait', 'completed', 'busy', 'no_answer', 'voicemail', 'failed']),
    refusalReason: z.string().nullable().meta({ description: 'Why the call (or its retry) was not placed: no_consent, opted_out, outside_calling_window, balance_too_low, plan_paused, …' }),
    attempts: z.number(),
    endedReason: z.string().nullable().meta({ description: "The voice engine's own words for how the call ended (Vapi's endedReason, Twilio's status)" }),
    durationSeconds: z.number().nullable(),
    billedMinutes: z.number().nullable(),
    costMinor: z.number().nullable(),
    callId: z.string().nullable().meta({ description: 'The call holding the transcript' }),
    recording: z.enum(['kept', 'deleted', 'none']),
    scheduledFor: Timestamp,
    startedAt: Timestamp.nullable(),
    endedAt: Timestamp.nullable(),
  })
  .meta({ id: 'PracticeCall' });

const TranscriptLine = z.object({ role: z.enum(['learner', 'coach']), text: z.string(), startMs: z.number().nullable(), endMs: z.number().nullable() });
const PracticeCallDetail = PracticeCall.extend({ transcript: z.array(TranscriptLine) }).meta({ id: 'PracticeCallDetail' });

interface Row {
  id: string;
  plan_id: string;
  user_id: string;
  topic_id: string | null;
  engine: 'vapi' | 'twilio';
  trigger: 'schedule' | 'now';
  status: z.infer<typeof PracticeCall>['status'];
  refusal_reason: string | null;
  attempts: number;
  ended_reason: string | null;
  duration_seconds: number | null;
  billed_minutes: number | null;
  cost_minor: string | null;
  call_id: string | null;
  recording_ref: string | null;
  recording_deleted_at: Date | null;
  scheduled_for: Date;
  started_at: Date | null;
  ended_at: Date | null;
}

const toApi = (r: Row): z.input<typeof PracticeCall> => ({
  id: r.id,
  planId: r.plan_id,
  userId: r.user_id,
  topicId: r.topic_id,
  engine: r.engine,
  trigger: r.trigger,
  status: r.status,
  refusalReason: r.refusal_reason,
  attempts: r.attempts,
  endedReason: r.ended_reason,
  durationSeconds: r.duration_seconds,
  billedMinutes: r.billed_minutes,
  costMinor: r.cost_minor === null ? null : Number(r.cost_minor),
  callId: r.call_id,
  recording: r.recording_deleted_at ? 'deleted' : r.recording_ref ? 'kept' : 'none',
  scheduledFor: iso(r.scheduled_for)!,
  startedAt: iso(r.started_at),
  endedAt: iso(r.ended_at),
});

export const practiceCallRoutes = [
  defineRoute({
    method: 'get',
    path: '/practice-calls',
    operationId: 'listPracticeCalls',
    summary: "Practice calls, newest first: a learner's own, or staff's view of every learner's (filter by userId or planId)",
    tag: 'Coaching',
    access: 'learner',
    query: z.object({ userId: z.string().max(64).optional(), planId: idOf('plan').optional(), limit: z.coerce.number().int().min(1).max(100).default(50) }),
    response: { schema: z.object({ data: z.array(PracticeCall) }).meta({ id: 'PracticeCallList' }), description: 'Practice calls' },
    handle: ({ auth, deps, query }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const owner = auth.role === 'learner' ? auth.userId : query.userId;
        const rows: Row[] = await trx('practice_calls')
          .modify((q) => void (owner && q.where({ user_id: owner })))
          .modify((q) => void (query.planId && q.where({ plan_id: query.planId })))
          .orderBy('scheduled_for', 'desc')
          .limit(query.limit);
        return { data: rows.map(toApi) };
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/practice-calls/{practiceCallId}',
    operationId: 'getPracticeCall',
    summary: 'One practice call with its transcript, each line timed where the voice engine reported it (the read is audited)',
    tag: 'Coaching',
    access: 'learner',
    params: z.object({ practiceCallId: idOf('pcl') }),
    response: { schema: PracticeCallDetail, description: 'The practice call' },
    errors: [404],
    handle: ({ auth, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const row: Row | undefined = await trx('practice_calls').where({ id: params.practiceCallId }).first();
        if (!row || (auth.role === 'learner' && row.user_id !== auth.userId)) throw new ApiError(404, 'not_found', 'No such practice call');
        const turns = row.call_id ? await callHistoryRepository(trx).transcript(row.call_id) : [];
        await audit(trx, req, auth, { action: 'coaching.practice_call_read', targetType: 'practice_call', targetId: row.id });
        return {
          ...toApi(row),
          transcript: await Promise.all(
            turns
              .filter((t) => t.role === 'caller' || t.role === 'agent')
              .map(async (t) => ({ role: t.role === 'caller' ? ('learner' as const) : ('coach' as const), text: await deps.fields.decrypt(auth.orgId, TRANSCRIPT_CONTEXT, t.text_ciphertext), startMs: t.start_ms, endMs: t.end_ms })),
          ),
        };
      }),
  }),
];

const NotMeasured = z.object({ measured: z.literal(false), reason: z.string() });
const measuredOr = <T extends z.ZodRawShape>(shape: T) => z.union([z.object({ measured: z.literal(true), ...shape }), NotMeasured]);
const Mistake = z.object({ quote: z.string(), correction: z.string(), rule: z.string(), category: z.string().optional() });
const Analysis = z
  .object({
    status: z.enum(['pending', 'completed', 'insufficient', 'failed', 'objected']).meta({ description: 'insufficient: too little learner speech to score, feedback only; objected: the learner objects to analysis' }),
    error: z.string().nullable(),
    model: z.string().nullable(),
    promptVersion: z.string().nullable(),
    analysedAt: Timestamp.nullable(),
    result: z
      .object({
        learnerWords: z.number(),
        scored: z.boolean(),
        notScoredBecause: z.string().optional(),
        feedback: z.object({ summary: z.string(), strengths: z.array(z.string()), toPractise: z.array(z.string()) }),
        grammar: measuredOr({ score: z.number(), errorsPerClause: z.number(), clauses: z.number(), mistakes: z.array(Mistake), explanation: z.string() }),
        vocabulary: measuredOr({ score: z.number(), lexicalDiversity: z.number(), newWords: z.array(z.string()), misused: z.array(z.object({ quote: z.string(), better: z.string(), why: z.string() })), explanation: z.string(), cefrProfile: NotMeasured }),
        fluency: measuredOr({ wordsPerMinute: z.number(), meanRunWords: z.number(), meanResponsePauseSeconds: z.number(), score: z.number(), explanation: z.string() }),
        pronunciation: measuredOr({
          score: z.number().meta({ description: "the service's pronunciation score (accuracy, fluency, prosody combined), averaged over the clips by duration" }),
          accuracy: z.number(),
          fluency: z.number().nullable(),
          prosody: z.number().nullable().meta({ description: 'assessed for en-US only' }),
          secondsAssessed: z.number(),
          clipsAssessed: z.number(),
          clipsWithoutSpeech: z.number(),
          meanSnr: z.number().nullable(),
          mispronounced: z.array(z.string()),
          source: z.string().meta({ description: 'the service and mode the scores come from' }),
          audio: z.string(),
          explanation: z.string(),
        }),
        cefr: measuredOr({ band: z.string(), evidence: z.array(z.string()), explanation: z.string(), estimate: z.string() }),
      })
      .nullable(),
  })
  .meta({ id: 'PracticeAnalysis' });

export const analysisRoutes = [
  defineRoute({
    method: 'get',
    path: '/practice-calls/{practiceCallId}/analysis',
    operationId: 'getPracticeAnalysis',
    summary: 'The analysis of a practice call: feedback, and each score with how it was reached and its evidence, or why it is not measured (the read is audited)',
    tag: 'Coaching',
    access: 'learner',
    params: z.object({ practiceCallId: idOf('pcl') }),
    response: { schema: Analysis, description: 'The analysis' },
    errors: [404],
    handle: ({ auth, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const pc = await trx('practice_calls').where({ id: params.practiceCallId }).first('user_id');
        if (!pc || (auth.role === 'learner' && pc.user_id !== auth.userId)) throw new ApiError(404, 'not_found', 'No such practice call');
        const row = await trx('practice_analyses').where({ practice_call_id: params.practiceCallId }).first();
        if (!row) throw new ApiError(404, 'not_found', 'This practice call has no analysis (yet)');
        await audit(trx, req, auth, { action: 'coaching.analysis_read', targetType: 'practice_call', targetId: params.practiceCallId });
        return {
          status: row.status,
          error: row.error,
          model: row.model,
          promptVersion: row.prompt_version,
          analysedAt: iso(row.analysed_at),
          result: row.result_ciphertext ? JSON.parse(await deps.fields.decrypt(auth.orgId, PRACTICE_ANALYSIS_CONTEXT, row.result_ciphertext)) : null,
        };
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/practice-calls/{practiceCallId}/analysis',
    operationId: 'rerunPracticeAnalysis',
    summary: 'Analyse the call again (after a failure, or with a newer model): a durable workflow; GET the analysis for its result',
    tag: 'Coaching',
    access: 'admin',
    params: z.object({ practiceCallId: idOf('pcl') }),
    response: { status: 202, schema: z.object({ workflowId: z.string() }).meta({ id: 'PracticeAnalysisStarted' }), description: 'The analysis is under way' },
    errors: [404, 409],
    handle: ({ auth, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const pc = await trx('practice_calls').where({ id: params.practiceCallId }).first('status', 'call_id');
        if (!pc) throw new ApiError(404, 'not_found', 'No such practice call');
        if (pc.status !== 'completed' || !pc.call_id) throw new ApiError(409, 'nothing_to_analyse', 'Only a completed call with its transcript can be analysed');
        const workflowId = practiceAnalysisWorkflowId(params.practiceCallId);
        try {
          await deps.temporal.workflow.start<typeof practiceAnalysisWorkflow>('practiceAnalysisWorkflow', {
            workflowId,
            taskQueue: deps.config.temporal.taskQueue,
            args: [{ orgId: auth.orgId, practiceCallId: params.practiceCallId }],
            workflowIdConflictPolicy: 'FAIL',
            typedSearchAttributes: [{ key: OrgId, value: auth.orgId }],
          });
        } catch (error) {
          if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ApiError(409, 'analysis_running', 'This call is being analysed now');
          throw error;
        }
        await audit(trx, req, auth, { action: 'coaching.analysis_rerun', targetType: 'practice_call', targetId: params.practiceCallId });
        return { workflowId };
      }),
  }),
];
