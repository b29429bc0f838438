import type { Domain } from '../platform/domainContract';
import { analyticsRoutes } from './api/analytics';
import { analyticsExport } from './exportSection';

/** Product analytics, with consent only: who said yes or no, and per-day counts of pages and features used. */
export const analyticsDomain: Domain<never, never> = {
  name: 'analytics',
  workflows: [],
  routes: analyticsRoutes,
  tables: [{ table: 'product_analytics', onDeletion: 'erase', order: 5, retention: 'account' }],
  globalTables: ['analytics_consents'],
  exports: [analyticsExport],
};
