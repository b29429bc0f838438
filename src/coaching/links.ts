import type { Config } from '../platform/config';
import { consoleUrl } from '../platform/http/console';

/** Where a learner tops up their balance: the console's balance page (its Top up button starts Checkout). */
export const topUpUrl = (config: Pick<Config, 'auth' | 'http'>): string => consoleUrl(config, '/learn/balance');
