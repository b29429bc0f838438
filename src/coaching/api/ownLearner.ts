import { ApiError } from '../../platform/http/errors';

/** The signed-in learner's own user id in the current organization; staff and API keys have no learner self (404). */
export function ownLearner(auth: { userId: string | null; role: string }): string {
  if (auth.role !== 'learner' || !auth.userId) throw new ApiError(404, 'not_found', 'You are not a learner in this organization');
  return auth.userId;
}
