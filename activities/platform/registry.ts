import { ApplicationFailure } from '@temporalio/common';
import { assertUnique } from '../../src/platform/registration';
import { permanentRefusal } from '../../src/platform/db/refusals';

type AnyActivity = (...args: never[]) => Promise<unknown>;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The failure a permanent database refusal (src/platform/db/refusals.ts) becomes: not retried, its SQLSTATE kept, no value quoted. */
export function permanentFailureOf(err: unknown): ApplicationFailure | undefined {
  const code = permanentRefusal(err);
  if (!code) return undefined;
  return ApplicationFailure.create({ type: 'InvalidData', message: `the database refused a value (SQLSTATE ${code})`, nonRetryable: true, details: [code] });
}

/**
 * The worker's activity object, composed from each domain's activities. A name given twice is an error at
 * start-up (a spread would silently keep the later one), and every activity's permanent database refusals
 * are marked non-retryable, so no activity retries a bad value forever.
 */
export function composeActivities<G extends Array<Record<string, AnyActivity>>>(...groups: G): UnionToIntersection<G[number]> {
  assertUnique('activity name', groups.flatMap((group) => Object.keys(group)));
  const composed: Record<string, AnyActivity> = {};
  for (const group of groups) {
    for (const [name, activity] of Object.entries(group)) {
      composed[name] = (async (...args: never[]) => {
        try {
          return await activity(...args);
        } catch (err) {
          throw permanentFailureOf(err) ?? err;
        }
      }) as AnyActivity;
    }
  }
  return composed as UnionToIntersection<G[number]>;
}
