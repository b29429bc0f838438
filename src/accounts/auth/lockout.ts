import type { AuthConfig } from '../../platform/config';

/**
 * Back-off after repeated failed sign-ins: from the threshold-th consecutive failure on, the account is locked
 * for base × 2^(failures − threshold), capped at max. A correct password while locked is still refused.
 */
export function lockDurationMs(failures: number, lockout: AuthConfig['lockout']): number {
  if (failures < lockout.threshold) return 0;
  return Math.min(lockout.maxMs, lockout.baseMs * 2 ** Math.min(30, failures - lockout.threshold));
}
