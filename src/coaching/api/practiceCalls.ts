import { z } from 'zod';
import { callHistoryRepository } from '../../calls/repositories/callHistory';
import { TRANSCRIPT_CONTEXT } from '../../platform/crypto/fieldContexts';
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
