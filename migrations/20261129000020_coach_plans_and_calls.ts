import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn, tenantForeignKey, timestamps } from '../src/platform/db/schemaHelpers';

/**
 * The coach's learning loop up to a finished call:
 * - `coach_settings`: one row per coaching organization (which voice engine dials, the price of a minute
 *   of practice, the number or Vapi phone number the coach calls from);
 * - the learner's preferences (coach voice, correction style, speaking speed);
 * - `coach_plans`: when a learner is called (days, local time, length, topics in rotation), each run by
 *   the Temporal Schedule `coach-plan:<planId>`;
 * - `practice_calls`: one row per planned call, placed or refused, with why;
 * - `coach_opt_outs`: the organization's do-not-call list (STOP, "stop calling me", the API);
 * - the balance ledger gains the learner whose balance a row belongs to (null: the organization's own);
 * - transcript lines gain their timing within the call, where the voice engine reports it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('coach_settings', (t) => {
    t.text('org_id').primary().references('id').inTable('organizations').onDelete('CASCADE');
    t.text('engine').notNullable().checkIn(['vapi', 'twilio']);
    t.integer('price_per_minute_minor').notNullable().checkPositive();
    t.specificType('currency', 'char(3)').notNullable();
    t.integer('low_balance_minor').notNullable().defaultTo(500);
    t.text('vapi_phone_number_id');
    timestamps(t, knex);
  });
  await enableTenantIsolation(knex, 'coach_settings', { privileges: ['SELECT', 'INSERT', 'UPDATE'] });

  await knex.schema.alterTable('learners', (t) => {
    t.text('coach_voice').notNullable().defaultTo('Elliot'); // a Vapi voice id
    t.text('correction_style').notNullable().defaultTo('gentle').checkIn(['gentle', 'direct']);
    t.text('speaking_speed').notNullable().defaultTo('normal').checkIn(['slow', 'normal', 'fast']);
  });

  await knex.schema.createTable('coach_plans', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('user_id').notNullable();
    t.specificType('days', 'smallint[]').notNullable(); // ISO weekdays, 1 = Monday
    t.text('local_time').notNullable(); // HH:MM in the learner's zone
    t.integer('minutes').notNullable().checkBetween([5, 60]);
    t.specificType('topic_ids', 'text[]').notNullable();
    t.integer('next_topic').notNullable().defaultTo(0);
    t.integer('retry_attempts').notNullable().defaultTo(1).checkBetween([0, 3]);
    t.integer('retry_after_minutes').notNullable().defaultTo(10).checkBetween([5, 120]);
    t.text('status').notNullable().defaultTo('active').checkIn(['active', 'paused', 'ended']);
    t.text('paused_reason');
    t.text('schedule_time_zone'); // the zone the schedule was last written in (null: not yet)
    timestamps(t, knex);
    t.unique(['org_id', 'id']);
    t.foreign(['org_id', 'user_id']).references(['org_id', 'user_id']).inTable('learners').onDelete('CASCADE');
  });
  await knex.raw("alter table coach_plans add constraint coach_plans_time check (local_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$')");
  await knex.raw('alter table coach_plans add constraint coach_plans_days check (cardinality(days) between 1 and 7 and days <@ array[1,2,3,4,5,6,7]::smallint[])');
  await enableTenantIsolation(knex, 'coach_plans');

  await knex.schema.createTable('practice_calls', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('workflow_id').notNullable().unique();
    t.text('plan_id').notNullable();
    t.text('user_id').notNullable();
    t.text('topic_id');
    t.text('engine').notNullable().checkIn(['vapi', 'twilio']);
    t.text('trigger').notNullable().checkIn(['schedule', 'now']);
    t.text('status').notNullable().defaultTo('checking').checkIn(['checking', 'refused', 'dialing', 'in_progress', 'retry_wait', 'completed', 'busy', 'no_answer', 'voicemail', 'failed']);
    t.text('refusal_reason');
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('planned_seconds');
    t.text('provider_call_id');
    t.text('call_id'); // the calls row holding the transcript
    t.text('ended_reason'); // the engine's own words, kept raw
    t.integer('duration_seconds');
    t.integer('billed_minutes');
    t.bigInteger('cost_minor');
    t.text('recording_ref'); // where the engine keeps the recording (Vapi call id; Twilio recordings are in `recordings`)
    t.timestamp('recording_deleted_at', { useTz: true });
    t.timestamp('scheduled_for', { useTz: true }).notNullable();
    t.timestamp('started_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    timestamps(t, knex);
    t.unique(['org_id', 'id']);
    tenantForeignKey(t, 'plan_id', 'coach_plans', 'CASCADE');
  });
  // The transcript's call goes when its retention is up; the practice call's record stays without it.
  await knex.raw('alter table practice_calls add constraint practice_calls_call foreign key (org_id, call_id) references calls (org_id, id) on delete set null (call_id)');
  await knex.raw('create index practice_calls_learner on practice_calls (org_id, user_id, scheduled_for desc)');
  await knex.raw("create index practice_calls_recordings on practice_calls (ended_at) where recording_ref is not null and recording_deleted_at is null");
  await enableTenantIsolation(knex, 'practice_calls');

  await knex.schema.createTable('coach_opt_outs', (t) => {
    orgIdColumn(t);
    t.text('phone_e164').notNullable();
    t.text('via').notNullable().checkIn(['api', 'call', 'sms', 'staff']);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['org_id', 'phone_e164']);
  });
  await enableTenantIsolation(knex, 'coach_opt_outs');

  await knex.schema.alterTable('balance_ledger', (t) => {
    t.text('user_id'); // a learner's own balance; null for the organization's
  });
  await knex.raw('create index balance_ledger_learner on balance_ledger (org_id, user_id, id desc) where user_id is not null');

  await knex.schema.alterTable('transcript_turns', (t) => {
    t.integer('start_ms'); // from the start of the call
    t.integer('end_ms');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('transcript_turns', (t) => {
    t.dropColumn('start_ms');
    t.dropColumn('end_ms');
  });
  await knex.raw('drop index if exists balance_ledger_learner');
  await knex.schema.alterTable('balance_ledger', (t) => t.dropColumn('user_id'));
  await knex.schema.dropTable('coach_opt_outs');
  await knex.schema.dropTable('practice_calls');
  await knex.schema.dropTable('coach_plans');
  await knex.schema.alterTable('learners', (t) => {
    t.dropColumn('coach_voice');
    t.dropColumn('correction_style');
    t.dropColumn('speaking_speed');
  });
  await knex.schema.dropTable('coach_settings');
}
