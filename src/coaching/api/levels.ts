import { z } from 'zod';
import type { Tx } from '../../platform/db/knex';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { idOf, iso, Timestamp } from '../../platform/http/v1/schemas';
import { MIN_CALLS_FOR_LEVEL, recomputeLevel } from '../analysis/level';
import { ownLearner } from './ownLearner';
import { closeLearner } from '../closure';

/**
 * A learner's estimated level and its history; objecting to the analysis of one's calls; contesting a
 * call's scores (a result produced solely by automated analysis) and staff reviewing the contest.
 */
const Level = z
  .object({
    level: z.string().nullable().meta({ description: `CEFR band with "+" half steps; null until ${MIN_CALLS_FOR_LEVEL} scored calls. A practice estimate, not a certified level.` }),
    confidence: z.number().nullable(),
    callsCounted: z.number(),
    history: z.array(z.object({ level: z.string().nullable(), confidence: z.number().nullable(), calls: z.number(), reason: z.string(), changedAt: Timestamp })),
  })
  .meta({ id: 'LearnerLevel' });

async function levelOf(trx: Tx, userId: string): Promise<z.input<typeof Level>> {
  const learner = await trx('learners').where({ user_id: userId }).first('estimated_level', 'level_confidence', 'level_calls');
  if (!learner) throw new ApiError(404, 'not_found', 'No such learner');
  const history = await trx('learner_level_history').where({ user_id: userId }).orderBy('id').select('level', 'confidence', 'calls', 'reason', 'changed_at');
  return {
    level: learner.estimated_level,
    confidence: learner.level_confidence,
    callsCounted: learner.level_calls,
    history: history.map((h) => ({ level: h.level, confidence: h.confidence, calls: h.calls, reason: h.reason, changedAt: iso(h.changed_at)! })),
  };
}

const noSuchCall = () => new ApiError(404, 'not_found', 'No such practice call');

export const levelRoutes = [
  defineRoute({
    method: 'get',
    path: '/me/learner/level',
    operationId: 'getMyLevel',
    summary: 'Your estimated CEFR level (median of your last five scored calls) and how it moved',
    tag: 'Coaching',
    access: 'learner',
    response: { schema: Level, description: 'Your level' },
    errors: [404],
    handle: ({ auth, deps }) => withTenant(deps.db, auth.orgId, (trx) => levelOf(trx, ownLearner(auth))),
  }),

  defineRoute({
    method: 'get',
    path: '/learners/{userId}/level',
    operationId: 'getLearnerLevel',
    summary: "A learner's estimated level and its history (staff)",
    tag: 'Coaching',
    access: 'member',
    params: z.object({ userId: z.string().max(64) }),
    response: { schema: Level, description: 'The level' },
    errors: [404],
    handle: ({ deps, auth, params }) => withTenant(deps.db, auth.orgId, (trx) => levelOf(trx, params.userId)),
  }),

  defineRoute({
    method: 'post',
    path: '/me/learner/objection',
    operationId: 'objectToAnalysis',
    summary: 'Object to the analysis of your calls: from now on nothing is sent to an analysis model and nothing is scored (calls go on)',
    tag: 'Coaching',
    access: 'learner',
    errors: [404],
    handle: ({ auth, deps, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const userId = ownLearner(auth);
        await trx('learners').where({ user_id: userId }).whereNull('objected_at').update({ objected_at: trx.fn.now() });
        await audit(trx, req, auth, { action: 'coaching.objection_recorded', targetType: 'user', targetId: userId });
      }),
  }),

  defineRoute({
    method: 'delete',
    path: '/me/learner/objection',
    operationId: 'withdrawObjection',
    summary: 'Withdraw your objection: calls from now on are analysed again',
    tag: 'Coaching',
    access: 'learner',
    errors: [404],
    handle: ({ auth, deps, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const userId = ownLearner(auth);
        await trx('learners').where({ user_id: userId }).update({ objected_at: null });
        await audit(trx, req, auth, { action: 'coaching.objection_withdrawn', targetType: 'user', targetId: userId });
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/me/learner/close',
    operationId: 'closeMyLearnerAccount',
    summary: 'Close your learner account: no more calls (plans ended), no processing, no emails but those the law requires; kept restricted for two years, then erased (payment records stay ten years)',
    tag: 'Coaching',
    access: 'learner',
    errors: [404],
    async handle({ auth, deps, req }) {
      const userId = ownLearner(auth);
      await withTenant(deps.db, auth.orgId, (trx) => closeLearner(trx, deps.temporal, { orgId: auth.orgId, userId, requestId: String(req.id ?? '') }));
    },
  }),

  defineRoute({
    method: 'post',
    path: '/practice-calls/{practiceCallId}/analysis/contest',
    operationId: 'contestAnalysis',
    summary: "Contest a call's scores (produced by automated analysis alone): they leave your level estimate until staff review them",
    tag: 'Coaching',
    access: 'learner',
    params: z.object({ practiceCallId: idOf('pcl') }),
    body: z.object({ reason: z.string().trim().min(1).max(1000) }),
    errors: [404, 409],
    handle: ({ auth, body, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const userId = ownLearner(auth);
        const pc = await trx('practice_calls').where({ id: params.practiceCallId, user_id: userId }).first('id');
        if (!pc) throw noSuchCall();
        const contested = await trx('practice_analyses')
          .where({ practice_call_id: params.practiceCallId, status: 'completed' })
          .whereNull('contested_at')
          .update({ contested_at: trx.fn.now(), contest_reason: body.reason, review_decision: null, reviewed_by: null, reviewed_at: null, review_note: null, updated_at: trx.fn.now() });
        if (contested === 0) throw new ApiError(409, 'not_contestable', 'Only a scored analysis not already contested can be contested');
        await recomputeLevel(trx, auth.orgId, userId, `call ${params.practiceCallId} contested`);
        await audit(trx, req, auth, { action: 'coaching.analysis_contested', targetType: 'practice_call', targetId: params.practiceCallId });
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/practice-calls/{practiceCallId}/analysis/review',
    operationId: 'reviewContestedAnalysis',
    summary: "Staff review of contested scores: they stand (back in the level estimate) or are withdrawn (out of it for good); audited",
    tag: 'Coaching',
    access: 'admin',
    params: z.object({ practiceCallId: idOf('pcl') }),
    body: z.object({ decision: z.enum(['scores_stand', 'scores_withdrawn']), note: z.string().trim().min(1).max(1000) }),
    errors: [404, 409],
    handle: ({ auth, body, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const pc = await trx('practice_calls').where({ id: params.practiceCallId }).first('user_id');
        if (!pc) throw noSuchCall();
        const reviewed = await trx('practice_analyses')
          .where({ practice_call_id: params.practiceCallId })
          .whereNotNull('contested_at')
          .whereNull('reviewed_at')
          .update({ review_decision: body.decision, review_note: body.note, reviewed_by: auth.userId, reviewed_at: trx.fn.now(), updated_at: trx.fn.now() });
        if (reviewed === 0) throw new ApiError(409, 'not_contested', 'There is no contest awaiting review on this call');
        await recomputeLevel(trx, auth.orgId, pc.user_id, `contest of call ${params.practiceCallId} reviewed: ${body.decision}`);
        await audit(trx, req, auth, { action: 'coaching.analysis_reviewed', targetType: 'practice_call', targetId: params.practiceCallId, metadata: { decision: body.decision } });
      }),
  }),
];
