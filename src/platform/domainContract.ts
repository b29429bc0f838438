import type { Router } from 'express';
import type { NotificationKind } from '../notifications/kinds';
import type { RouteSpec } from './http/v1/route';
import type { ExportSection, Processor, SearchAttributeKey, TableRule, WorkflowRegistration } from './registration';

/**
 * What one domain (calls, booking, billing, ...) contributes to the platform. The worker, the API, the
 * payload codec, account deletion and the data export are all composed from the list of these in
 * `src/domains.ts`; nothing else keeps a list of workflows, activities, routes or tables. Every registry
 * built from them is checked: a name given twice, or a workflow, table or payload nobody registered, is an
 * error, never a silent default.
 */
export interface Domain<ActivityDeps = never, AppDeps = never> {
  name: string;
  /** Every workflow type the domain runs, with how its workflow ids name their organization. */
  workflows: readonly WorkflowRegistration[];
  /** Builds the domain's activities (one set per worker process), in groups; names must be unique platform-wide. */
  activities?: (deps: ActivityDeps) => ReadonlyArray<Record<string, (...args: never[]) => Promise<unknown>>>;
  /** Its `/api/v1` routes, which the router and the OpenAPI document are built from. */
  routes?: readonly RouteSpec[];
  /** Routers mounted outside /api/v1 (provider webhooks, pages), each at its path. */
  mounts?: (deps: AppDeps) => ReadonlyArray<{ path: string; router: Router }>;
  /** The custom search attributes its workflows set (OrgId is the platform's). */
  searchAttributes?: readonly SearchAttributeKey[];
  /** Every table with an `org_id` that the domain owns, and what account deletion does with it. */
  tables?: readonly TableRule[];
  /** Tables without an `org_id` that the domain owns (people, platform-wide state). */
  globalTables?: readonly string[];
  /**
   * Other domains' tables its SQL names (reads them, or for privacy, erases and exports them). Its own
   * queries name only its tables and these: test/platform/sqlHomes.test.ts checks both ways.
   */
  reads?: readonly string[];
  /** The notification kinds it sends (their templates and rules are in src/notifications/). */
  notificationKinds?: readonly NotificationKind[];
  /** Its part of a data export, for each scope it has data in. */
  exports?: readonly ExportSection[];
  /** The third parties its data goes to (the same processor may serve several domains). */
  processors?: readonly Processor[];
}

/** What the domains register, composed and checked once: a name twice is an error at start-up. */
export interface DomainRegistry {
  workflows: readonly WorkflowRegistration[];
  routes: readonly RouteSpec[];
  searchAttributes: readonly SearchAttributeKey[];
  tables: readonly TableRule[];
  exports: readonly ExportSection[];
  notificationKinds: readonly NotificationKind[];
  /** Every processor, once, with the data categories all domains send it. */
  processors: readonly Processor[];
}
