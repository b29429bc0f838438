import type { Knex } from 'knex';
import { APP_ROLE } from '../src/platform/db/tenancy';

/**
 * The application role that row-level security applies to. Roles are cluster-wide, so creating it
 * tolerates a concurrent creator; the migrating user is made a member so it can SET ROLE to it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    do $$
    begin
      if not exists (select 1 from pg_roles where rolname = '${APP_ROLE}') then
        begin
          create role ${APP_ROLE} nologin nosuperuser nobypassrls noinherit;
        exception when duplicate_object or unique_violation then null;
        end;
      end if;
      if not pg_has_role(current_user, '${APP_ROLE}', 'MEMBER') then
        execute format('grant ${APP_ROLE} to %I', current_user);
      end if;
    end $$;
  `);
  await knex.raw(`grant usage on schema public to ${APP_ROLE}`);
  // Exclusion constraints on (org, resource, time range) for appointments need btree equality in GiST.
  await knex.raw('create extension if not exists btree_gist');
}

export async function down(knex: Knex): Promise<void> {
  // The role is shared by every database on the cluster, so it is left in place; only this database's grant goes.
  await knex.raw('drop extension if exists btree_gist');
  await knex.raw(`revoke usage on schema public from ${APP_ROLE}`);
}
