import type { Config } from '../platform/config';

/** Where a learner tops up their balance: the console's balance page (its Top up button starts Checkout). */
export const topUpUrl = (config: Pick<Config, 'auth' | 'http'>): string => `${config.auth.appUrl ?? config.http.publicBaseUrl}/learn/balance`;
