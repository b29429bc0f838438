import type { Knex } from 'knex';

/**
 * Every process caches each organization's payload-encryption policy. A change to it (HIPAA mode, the
 * organization's own choice, deletion) is announced on a PostgreSQL channel by the database itself, in the
 * transaction that makes it, whoever makes it: each process's codec drops its cached policy when the change
 * commits, so the very next call of an organization that just switched encryption on is sealed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function notify_payload_policy() returns trigger language plpgsql as $$
    begin
      perform pg_notify('callgenly_payload_policy', new.id);
      return new;
    end $$`);
  await knex.raw(`
    create trigger organizations_payload_policy
      after update of hipaa_mode, encrypt_workflow_payloads, status on organizations
      for each row
      when (old.hipaa_mode is distinct from new.hipaa_mode
         or old.encrypt_workflow_payloads is distinct from new.encrypt_workflow_payloads
         or old.status is distinct from new.status)
      execute function notify_payload_policy()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger if exists organizations_payload_policy on organizations');
  await knex.raw('drop function if exists notify_payload_policy()');
}
