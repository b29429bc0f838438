import type { NotifyRequest } from './notifier';
import type { NotificationKind } from './kinds';
import type { V1Deps } from '../platform/http/v1/deps';

/**
 * Sends a notice about a change a request has already committed. A failure to write the notice is
 * logged, not returned: the change happened, and the caller must hear that it did.
 */
export async function notifyAfterCommit<K extends NotificationKind>(deps: Pick<V1Deps, 'notifier' | 'logger'>, request: NotifyRequest<K>): Promise<void> {
  try {
    await deps.notifier.notify(request);
  } catch (error) {
    deps.logger.error({ err: (error as Error).message, kind: request.kind }, 'notification not written');
  }
}
