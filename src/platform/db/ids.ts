import { ulid } from 'ulid';

/** Stripe-style ids: a type prefix and a time-ordered ULID, so ids sort by creation for stable cursors. */
export type IdPrefix = 'org' | 'usr' | 'key' | 'pn' | 'call' | 'rec' | 'msg' | 'svc' | 'cal' | 'appt' | 'use' | 'bill' | 'ses' | 'inv' | 'clo' | 'ntf' | 'dsr' | 'cst' | 'top' | 'plan' | 'pcl' | 'plim' | 'ubat';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}
