import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { newId } from '../../src/platform/db/ids';
import type { Db, Tx } from '../../src/platform/db/knex';
import { withTenant } from '../../src/platform/db/tenancy';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import type { Config } from '../../src/platform/config';
import type { Notifier, Written } from '../../src/notifications/notifier';
import { isPermanentTwilioError, type TwilioProvider } from '../../src/platform/providers/twilio';
import { debitLearner, learnerBalance } from '../../src/billing/learnerBalances';
import { recordEngineCall } from '../../src/calls/engineCalls';
import { callingWindowOf, fitsCallingWindow } from '../../src/coaching/callingWindow';
import { pauseLearnerPlans } from '../../src/coaching/consent';
import { reportFromVapi, vapiCallBody } from '../../src/coaching/engines/vapiReport';
import { VapiError, type VapiClient } from '../../src/coaching/engines/vapiClient';
import { vapiClientOf } from '../../src/coaching/engineRecordings';
import { outcomeOfTwilioStatus, RETRIED_OUTCOMES } from '../../src/coaching/engines/endedReason';
import { CEFR_LEVELS } from '../../src/coaching/repositories/learners';
import { coachFirstMessage, coachSystemPrompt, coachTimeUp, COACH_ONE_MINUTE_LEFT, COACH_UNAVAILABLE, OPT_OUT_GOODBYE, STOP_CALLING_SOURCE, type CoachPersona } from '../../src/coaching/persona';
import { pausePlanSchedule, type PlanRow } from '../../src/coaching/plans';
import { topUpUrl } from '../../src/coaching/links';
import { coachSettingsOf } from '../../src/coaching/settings';
import { practiceFocus } from '../../src/coaching/practice';
import type { CallStart } from '../../workflows/calls/definitions';
import type { EngineReport, ReportLine } from '../../workflows/coaching/definitions';

export type RefusalReason =
  | 'plan_not_found'
  | 'plan_paused'
  | 'organization_inactive'
  | 'no_consent'
  | 'opted_out'
  | 'outside_calling_window'
  | 'balance_too_low'
  | 'engine_not_configured'
  | 'no_caller_number'
  | 'account_closed';

/** Everything an engine needs to place one attempt, snapshotted when the checks passed. */
export interface DialPlan {
  orgId: string;
  practiceCallId: string;
  engine: 'vapi' | 'twilio';
  /** Names this attempt at the engine (`<practice call>:<attempt>`), to find a call an interrupted attempt placed. */
  attemptKey: string;
  to: string;
  learnerName: string;
  /** Twilio engine: the organization's number; Vapi: its Vapi phone number id. */
  from: string;
  persona: CoachPersona;
  maxSeconds: number;
  ringSeconds: number;
  reportWaitMs: number;
  recording: { enabled: boolean; announcement: string };
}

export type CheckResult =
  | { ok: true; practiceCallId: string; dial: DialPlan }
  | { ok: false; practiceCallId?: string; reason: RefusalReason };

interface PracticeCallDeps {
  db: Db;
  fields: FieldCipher;
  config: Config;
  temporal: Client;
  notifier: Notifier;
  twilio: TwilioProvider;
  /** A Vapi client (tests pass one pointed at their fake); built from VAPI_* settings otherwise. */
  vapi?: VapiClient;
  now?: () => Date;
}

const RECORDING_ANNOUNCEMENT = 'This practice call is recorded so you can get feedback on it.';

/**
 * The practice call's steps. Every write is keyed (the practice call by its workflow id, the debit by the
 * practice call, the transcript by the engine's call id), so a retried or replayed step changes nothing twice.
 */
export function createPracticeCallActivities(deps: PracticeCallDeps) {
  const { db, config } = deps;
  const now = deps.now ?? (() => new Date());
  const vapi = deps.vapi ?? vapiClientOf(config);

  /** The row for this run, made on its first check; the plan's next topic is taken then, once. */
  async function practiceCallRow(trx: Tx, input: { orgId: string; plan: PlanRow; workflowId: string; trigger: 'schedule' | 'now'; engine: 'vapi' | 'twilio'; scheduledFor: string }) {
    const existing = await trx('practice_calls').where({ workflow_id: input.workflowId }).first();
    if (existing) return existing as { id: string; topic_id: string | null; status: string };
    // The plan's rotation, skipping topics whose level range leaves out the learner's estimated level (if
    // every topic does, the rotation as it is).
    const topics = input.plan.topic_ids;
    const level = (await trx('learners').where({ user_id: input.plan.user_id }).first('estimated_level', 'self_level')) ?? {};
    const band = ((level.estimated_level ?? level.self_level ?? '') as string).replace('+', '');
    const ranges: Array<{ id: string; min_level: string; max_level: string }> = topics.length ? await trx('coach_topics').whereIn('id', topics).whereNull('archived_at').select('id', 'min_level', 'max_level') : [];
    const fits = (id: string) => {
      const r = ranges.find((t) => t.id === id);
      return Boolean(r) && (!band || (CEFR_LEVELS.indexOf(r!.min_level as never) <= CEFR_LEVELS.indexOf(band as never) && CEFR_LEVELS.indexOf(band as never) <= CEFR_LEVELS.indexOf(r!.max_level as never)));
    };
    let step = 0;
    while (step < topics.length && !fits(topics[(input.plan.next_topic + step) % topics.length]!)) step++;
    if (step === topics.length) step = 0;
    const topicId = topics.length ? topics[(input.plan.next_topic + step) % topics.length]! : null;
    await trx('coach_plans').where({ id: input.plan.id }).update({ next_topic: input.plan.next_topic + step + 1 });
    const [row] = await trx('practice_calls')
      .insert({ id: newId('pcl'), org_id: input.orgId, workflow_id: input.workflowId, plan_id: input.plan.id, user_id: input.plan.user_id, topic_id: topicId, engine: input.engine, trigger: input.trigger, scheduled_for: new Date(input.scheduledFor) })
      .returning(['id', 'topic_id', 'status']);
    return row as { id: string; topic_id: string | null; status: string };
  }

  async function refuse(trx: Tx, practiceCallId: string, attempt: number, reason: RefusalReason): Promise<CheckResult> {
    // A first attempt refused is the call's outcome; a retry refused keeps the last attempt's, and says why it stopped.
    await trx('practice_calls')
      .where({ id: practiceCallId })
      .update({ ...(attempt === 1 ? { status: 'refused' } : {}), refusal_reason: reason, updated_at: trx.fn.now() });
    return { ok: false, practiceCallId, reason };
  }

  return {
    /**
     * Before dialling: the plan is active (a paused plan's "call me now" is refused too), the organization
     * is in service, the learner's consent is current and for the number called, the number is not on the
     * opt-out list, the call fits the learner's calling window, and the balance pays for at least a minute
     * (the call lasts as many minutes as it pays for, up to the plan's). A refusal is recorded with its
     * reason; a balance too low also tells the learner, with a link to top up.
     */
    async checkPracticeCall(input: { orgId: string; planId: string; workflowId: string; trigger: 'schedule' | 'now'; attempt: number; scheduledFor: string }): Promise<CheckResult> {
      let notices: Written = [];
      const result = await withTenant(db, input.orgId, async (trx): Promise<CheckResult> => {
        const plan: PlanRow | undefined = await trx('coach_plans').where({ id: input.planId }).first();
        if (!plan) return { ok: false, reason: 'plan_not_found' };
        const settings = await coachSettingsOf(trx, input.orgId, config);
        const row = await practiceCallRow(trx, { orgId: input.orgId, plan, workflowId: input.workflowId, trigger: input.trigger, engine: settings.engine, scheduledFor: input.scheduledFor });
        const refused = (reason: RefusalReason) => refuse(trx, row.id, input.attempt, reason);
        if (plan.status !== 'active') return refused('plan_paused');

        const org = await trx('organizations').where({ id: input.orgId }).first('name', 'status', 'billing_status');
        if (!org || org.status !== 'active' || org.billing_status === 'suspended' || org.billing_status === 'cancelled') return refused('organization_inactive');
        const learner = await trx('learners')
          .join('users', 'users.id', 'learners.user_id')
          .where('learners.user_id', plan.user_id)
          .first('learners.*', 'users.name', 'users.email');
        if (!learner) return refused('plan_not_found');
        if (learner.closed_at) return refused('account_closed');
        const consent = await trx('coach_consents').where({ user_id: plan.user_id, phone_e164: learner.phone_e164 }).whereNull('withdrawn_at').first('id');
        if (!consent) return refused('no_consent');
        if (await trx('coach_opt_outs').where({ phone_e164: learner.phone_e164 }).first('phone_e164')) return refused('opted_out');
        if (!fitsCallingWindow(now(), learner.time_zone, plan.minutes, callingWindowOf(learner.phone_e164))) return refused('outside_calling_window');

        const minuteCost = { amountMinor: settings.price_per_minute_minor, currency: settings.currency };
        const balance = await learnerBalance(trx, input.orgId, plan.user_id, minuteCost.currency);
        const paidMinutes = Math.floor(balance.amountMinor / minuteCost.amountMinor);
        if (paidMinutes < 1) {
          notices = await deps.notifier.write(
            {
              kind: 'coaching.call_not_placed',
              orgId: input.orgId,
              payload: { reason: 'balance_too_low', balance, minuteCost, scheduledFor: input.scheduledFor, topUpUrl: topUpUrl(config) },
              to: { userIds: [plan.user_id] },
              cause: `call-not-placed:${row.id}`,
            },
            trx,
          );
          return refused('balance_too_low');
        }

        let from: string | undefined;
        if (settings.engine === 'vapi') {
          from = settings.vapi_phone_number_id ?? config.vapi?.phoneNumberId;
          if (!vapi || !from) return refused('engine_not_configured');
        } else {
          from = (await trx('phone_numbers').orderBy('created_at').first('e164'))?.e164;
          if (!from) return refused('no_caller_number');
        }
        const topic = row.topic_id ? await trx('coach_topics').where({ id: row.topic_id }).first('title', 'prompts', 'target_words') : undefined;
        const minutes = Math.min(plan.minutes, paidMinutes);
        const persona: CoachPersona = {
          organizationName: org.name,
          learnerName: learner.name,
          level: learner.self_level,
          nativeLanguage: learner.native_language,
          goals: learner.goals,
          topic: topic ? { title: topic.title, prompts: topic.prompts, targetWords: topic.target_words } : null,
          correctionStyle: learner.correction_style,
          speakingSpeed: learner.speaking_speed,
          voice: learner.coach_voice,
          minutes,
          ...(await practiceFocus(trx, plan.user_id, now())),
        };
        await trx('practice_calls').where({ id: row.id }).update({ status: 'dialing', attempts: input.attempt, planned_seconds: minutes * 60, refusal_reason: null, updated_at: trx.fn.now() });
        return {
          ok: true,
          practiceCallId: row.id,
          dial: {
            orgId: input.orgId,
            practiceCallId: row.id,
            engine: settings.engine,
            attemptKey: `${row.id}:${input.attempt}`,
            to: learner.phone_e164,
            learnerName: learner.name,
            from,
            persona,
            maxSeconds: minutes * 60,
            ringSeconds: config.coaching.ringTimeoutSeconds,
            reportWaitMs: config.coaching.reportWaitMs,
            recording: { enabled: true, announcement: RECORDING_ANNOUNCEMENT },
          },
        };
      });
      await deps.notifier.start(notices);
      return result;
    },

    /**
     * Places the attempt through Vapi: an inline assistant built from the persona, reporting to our signed
     * webhook. A retry first asks Vapi for the call an interrupted attempt may have placed.
     */
    async placeVapiCall(dial: DialPlan): Promise<{ providerCallId: string }> {
      if (!vapi) throw ApplicationFailure.nonRetryable('Vapi is not configured (VAPI_API_KEY)', 'EngineNotConfigured');
      const info = Context.current().info;
      const since = new Date(info.scheduledTimestampMs - 60_000);
      let call = info.attempt > 1 ? await vapi.findCall({ phoneNumberId: dial.from, createdAfter: since, attemptKey: dial.attemptKey }) : undefined;
      if (!call) {
        try {
          call = await vapi.createCall(
            vapiCallBody({
              persona: dial.persona,
              to: dial.to,
              learnerName: dial.learnerName,
              phoneNumberId: dial.from,
              maxSeconds: dial.maxSeconds,
              serverUrl: `${config.http.publicBaseUrl}/vapi/events`,
              credentialId: config.vapi?.credentialId,
              attemptKey: dial.attemptKey,
              systemPrompt: coachSystemPrompt(dial.persona),
              firstMessage: coachFirstMessage(dial.persona),
              model: config.vapi!.model,
            }),
          );
        } catch (error) {
          if (error instanceof VapiError && error.permanent) throw ApplicationFailure.nonRetryable(error.message, 'VapiRefused');
          throw error;
        }
      }
      await withTenant(db, dial.orgId, (trx) => trx('practice_calls').where({ id: dial.practiceCallId }).update({ provider_call_id: call.id, started_at: trx.raw('coalesce(started_at, now())'), status: 'in_progress', updated_at: trx.fn.now() }));
      return { providerCallId: call.id };
    },

    /** The report of a call whose end-of-call report never reached us, from Vapi's API; retried until the call has ended. */
    async fetchVapiReport(input: { orgId: string; practiceCallId: string; providerCallId: string }): Promise<EngineReport> {
      if (!vapi) throw ApplicationFailure.nonRetryable('Vapi is not configured (VAPI_API_KEY)', 'EngineNotConfigured');
      const call = await vapi.getCall(input.providerCallId);
      if (call.status !== 'ended') throw new Error(`Vapi call ${call.id} is ${call.status ?? 'in an unknown state'}, not ended yet`);
      log.info('end-of-call report fetched from Vapi', { practiceCallId: input.practiceCallId, providerCallId: call.id });
      return reportFromVapi({ callId: call.id, endedReason: call.endedReason, startedAt: call.startedAt, endedAt: call.endedAt, artifact: call.artifact });
    },

    /**
     * Places the attempt through Twilio (the built-in engine): answering-machine detection on, status
     * callbacks to the voice routes; returns the call workflow's start, whose conversation is the coach's.
     */
    async placeTwilioCall(dial: DialPlan): Promise<{ callStart: CallStart }> {
      const info = Context.current().info;
      const base = config.http.publicBaseUrl;
      let callSid: string | undefined;
      if (info.attempt > 1) [callSid] = await deps.twilio.findCalls({ to: dial.to, from: dial.from, after: new Date(info.scheduledTimestampMs - 60_000) });
      try {
        callSid ??= await deps.twilio.placeCall({
          to: dial.to,
          from: dial.from,
          url: `${base}/twilio/coach/answer?practice=${encodeURIComponent(info.workflowExecution?.workflowId ?? '')}`,
          statusCallback: `${base}/twilio/voice/status`,
          ringSeconds: dial.ringSeconds,
          // Twilio ends the call itself a minute after the plan's time, should the conversation not.
          timeLimitSeconds: dial.maxSeconds + 60,
        });
      } catch (error) {
        if (isPermanentTwilioError(error)) throw ApplicationFailure.nonRetryable((error as Error).message, 'TwilioRefused');
        throw error;
      }
      const callStart: CallStart = {
        callSid,
        callId: newId('call'),
        orgId: dial.orgId,
        direction: 'outbound',
        from: dial.from,
        to: dial.to,
        greeting: coachFirstMessage(dial.persona),
        recording: dial.recording,
        agentDeadlineMs: config.llm.turnTimeoutMs,
        statusCheckAfterMs: (dial.ringSeconds + dial.maxSeconds + 120) * 1000,
        statusGiveUpMs: config.calls.statusGiveUpMs,
        prepaid: { secondsLeft: dial.maxSeconds, warnSecondsBefore: 60, nearlyUpLine: COACH_ONE_MINUTE_LEFT, timeUpLine: coachTimeUp(dial.persona) },
        persona: { systemPrompt: coachSystemPrompt(dial.persona), tools: 'coach', optOutPattern: STOP_CALLING_SOURCE, optOutGoodbye: OPT_OUT_GOODBYE, unavailableGoodbye: COACH_UNAVAILABLE },
      };
      await withTenant(db, dial.orgId, (trx) => trx('practice_calls').where({ id: dial.practiceCallId }).update({ provider_call_id: callSid, call_id: null, ended_reason: null, started_at: trx.raw('coalesce(started_at, now())'), status: 'in_progress', updated_at: trx.fn.now() }));
      return { callStart };
    },

    /** The built-in engine's call, once its workflow is over, as a report (its transcript is already stored). */
    async twilioReport(input: { orgId: string; callId: string; callSid: string; status: string; optedOut: boolean; agentFailed?: boolean }): Promise<EngineReport> {
      return withTenant(db, input.orgId, async (trx) => {
        const call = await trx('calls').where({ id: input.callId }).first('started_at', 'ended_at', 'duration_seconds', 'recording_enabled');
        const answeredBy = (await trx('practice_calls').where({ provider_call_id: input.callSid }).first('ended_reason'))?.ended_reason as string | null;
        const machine = answeredBy?.startsWith('answered-by:') ? answeredBy.slice('answered-by:'.length) : undefined;
        // The coach could not go on (its model failing): the learner is not charged for it.
        return {
          providerCallId: input.callSid,
          endedReason: machine ? `answered-by:${machine}` : input.agentFailed ? 'coach-unavailable' : input.status,
          outcome: input.agentFailed ? 'failed' : outcomeOfTwilioStatus(input.status, machine),
          durationSeconds: call?.duration_seconds ?? 0,
          startedAt: call?.started_at ? new Date(call.started_at).toISOString() : undefined,
          endedAt: call?.ended_at ? new Date(call.ended_at).toISOString() : undefined,
          lines: [],
          optedOut: input.optedOut,
          callId: call ? input.callId : undefined,
        };
      });
    },

    /**
     * An attempt is over: its transcript stored (Vapi's, into the calls it belongs with), the practice call
     * closed with the engine's raw reason, and the learner debited per started minute, once. A learner who
     * asked not to be called again has their consent withdrawn, their number opted out and every plan paused.
     * Says whether the plan retries (busy, no answer, voicemail, with attempts left).
     */
    async finishPracticeAttempt(input: { orgId: string; practiceCallId: string; attempt: number; report: EngineReport }): Promise<{ retry: boolean; retryAfterMs: number; pausePlans: string[] }> {
      const { report } = input;
      const result = await withTenant(db, input.orgId, async (trx) => {
        const pc = await trx('practice_calls').where({ id: input.practiceCallId }).first();
        const plan: PlanRow | undefined = await trx('coach_plans').where({ id: pc.plan_id }).first();
        const learner = await trx('learners').where({ user_id: pc.user_id }).first('phone_e164');
        const settings = await coachSettingsOf(trx, input.orgId, config);
        let callId = report.callId ?? null;
        if (!callId && report.lines.length > 0 && report.startedAt) {
          const from = `vapi:${settings.vapi_phone_number_id ?? config.vapi?.phoneNumberId ?? 'number'}`;
          callId = await recordEngineCall(trx, deps.fields, {
            orgId: input.orgId,
            callSid: `vapi:${report.providerCallId}`,
            from: from.slice(0, 64),
            to: learner?.phone_e164 ?? '',
            startedAt: new Date(report.startedAt),
            endedAt: new Date(report.endedAt ?? report.startedAt),
            durationSeconds: report.durationSeconds,
            completed: report.outcome === 'completed',
            recorded: Boolean(report.recordingRef),
            lines: report.lines.map((l: ReportLine) => ({ role: l.role === 'learner' ? 'caller' : 'agent', text: l.text, startMs: l.startMs, endMs: l.endMs })),
          });
        }
        // Per started minute of a call that was held, at the organization's price.
        const minutes = report.outcome === 'completed' ? Math.ceil(report.durationSeconds / 60) : 0;
        const price = { amountMinor: minutes * settings.price_per_minute_minor, currency: settings.currency };
        await trx('practice_calls')
          .where({ id: pc.id })
          .update({
            status: report.outcome,
            ended_reason: report.endedReason.slice(0, 500),
            duration_seconds: report.durationSeconds,
            billed_minutes: minutes,
            cost_minor: price.amountMinor,
            call_id: callId,
            ...(report.recordingRef ? { recording_ref: report.recordingRef } : {}),
            ended_at: report.endedAt ? new Date(report.endedAt) : trx.fn.now(),
            updated_at: trx.fn.now(),
          });
        let pausePlans: string[] = [];
        if (report.optedOut && learner) pausePlans = await pauseLearnerPlans(trx, { orgId: input.orgId, userId: pc.user_id, e164: learner.phone_e164, via: 'call' });
        const retry = RETRIED_OUTCOMES.includes(report.outcome) && !report.optedOut && plan !== undefined && input.attempt <= plan.retry_attempts;
        return { retry, retryAfterMs: (plan?.retry_after_minutes ?? 10) * config.coaching.retryMinuteMs, pausePlans, debit: { userId: pc.user_id as string, price, lowBalanceMinor: settings.low_balance_minor } };
      });
      // The ledger is written only by the platform (tenants read it): the debit runs as the owner, keyed by
      // the practice call, so a retry of this step (a worker killed mid-debit) takes nothing twice.
      const { debit, ...answer } = result;
      if (debit.price.amountMinor > 0) {
        const notices = await db.transaction(async (trx) => {
          const debited = await debitLearner(trx, { orgId: input.orgId, userId: debit.userId, practiceCallId: input.practiceCallId, amount: debit.price, lowBalanceMinor: debit.lowBalanceMinor });
          if (!debited?.crossedLow) return [];
          return deps.notifier.write({ kind: 'coaching.balance_low', orgId: input.orgId, payload: { balance: debited.balance, topUpUrl: topUpUrl(config) }, to: { userIds: [debit.userId] }, cause: `learner-low-balance:${input.practiceCallId}` }, trx);
        });
        await deps.notifier.start(notices);
      }
      return answer;
    },

    /** Pauses the plans' schedules (their rows are already paused: a run that starts anyway is refused). */
    async pausePlanSchedules(input: { planIds: string[]; reason: string }): Promise<void> {
      for (const planId of input.planIds) await pausePlanSchedule(deps.temporal, planId, input.reason);
    },
  };
}

export type PracticeCallActivities = ReturnType<typeof createPracticeCallActivities>;
