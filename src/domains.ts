import { accountsDomain } from './accounts/domain';
import { analyticsDomain } from './analytics/domain';
import { billingDomain } from './billing/domain';
import { bookingDomain } from './booking/domain';
import { callsDomain } from './calls/domain';
import { coachingDomain } from './coaching/domain';
import { notificationsDomain } from './notifications/domain';
import { platformDomain } from './platform/domain';
import type { Domain, DomainRegistry } from './platform/domainContract';
import { assertUnique, type Processor } from './platform/registration';
import { privacyDomain } from './privacy/domain';
import type { ActivityDeps, AppDeps } from './deps';

/**
 * Every domain of the platform. The worker, the API, the payload codec, account deletion and the data
 * export are composed from this list; adding a domain is adding it here (README, "Adding a domain").
 */
export const DOMAINS: ReadonlyArray<Domain<ActivityDeps, AppDeps>> = [
  platformDomain,
  accountsDomain as Domain<ActivityDeps, AppDeps>,
  callsDomain,
  bookingDomain,
  billingDomain,
  notificationsDomain,
  privacyDomain as Domain<ActivityDeps, AppDeps>,
  coachingDomain,
  analyticsDomain as Domain<ActivityDeps, AppDeps>,
];

export function composeRegistry(domains: ReadonlyArray<Domain<ActivityDeps, AppDeps>> = DOMAINS): DomainRegistry {
  assertUnique('domain', domains.map((d) => d.name));
  const workflows = domains.flatMap((d) => d.workflows);
  assertUnique('workflow type', workflows.map((w) => w.type));
  const routes = domains.flatMap((d) => d.routes ?? []);
  assertUnique('route', routes.map((r) => `${r.method.toUpperCase()} ${r.path}`));
  assertUnique('operationId', routes.map((r) => r.operationId));
  const searchAttributes = domains.flatMap((d) => d.searchAttributes ?? []);
  assertUnique('search attribute', searchAttributes.map((k) => k.name));
  const tables = domains.flatMap((d) => d.tables ?? []);
  assertUnique('table', [...tables.map((t) => t.table), ...domains.flatMap((d) => d.globalTables ?? [])]);
  const notificationKinds = domains.flatMap((d) => d.notificationKinds ?? []);
  assertUnique('notification kind', notificationKinds);
  return { workflows, routes, searchAttributes, tables, exports: domains.flatMap((d) => d.exports ?? []), notificationKinds, processors: mergeProcessors(domains.flatMap((d) => d.processors ?? [])) };
}

/** One entry per processor: a processor two domains use must be described alike, its data categories joined. */
function mergeProcessors(all: readonly Processor[]): Processor[] {
  const byName = new Map<string, Processor>();
  for (const p of all) {
    const seen = byName.get(p.name);
    if (seen && (seen.location !== p.location || seen.when !== p.when)) throw new Error(`processor ${p.name} is described two ways (location or condition differ)`);
    byName.set(p.name, seen ? { ...seen, role: seen.role === p.role ? seen.role : `${seen.role}; ${p.role}`, data: [...new Set([...seen.data, ...p.data])] } : p);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export const REGISTRY = composeRegistry();
