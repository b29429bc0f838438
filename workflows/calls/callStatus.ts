import { condition, setHandler } from '@temporalio/workflow';
import { callStatusSignal, TERMINAL_CALL_STATUSES, type CallStatusEvent } from './definitions';

const TERMINAL = new Set(TERMINAL_CALL_STATUSES);

/**
 * The call's status as Twilio reports it. Callbacks may arrive out of order or twice: the newest counts,
 * and a terminal status is never left. If none arrives, Twilio's REST API is asked after `checkAfterMs`.
 */
export function trackCallStatus() {
  let final: CallStatusEvent | undefined;
  let lastSequence = -1;
  setHandler(callStatusSignal, (event) => {
    if (final || (event.sequence !== undefined && event.sequence <= lastSequence)) return;
    if (event.sequence !== undefined) lastSequence = event.sequence;
    if (TERMINAL.has(event.status)) final = event;
  });
  return {
    get final(): CallStatusEvent | undefined {
      return final;
    },
    /**
     * The final status: from a callback, or from Twilio when none came within `checkAfterMs`. If Twilio
     * cannot tell us (its retries exhausted: the call is unknown to it, or it is unreachable for long), the
     * call ends as `unknown`, with the reason, rather than running for ever.
     */
    async ended(checkAfterMs: number, askTwilio: () => Promise<CallStatusEvent>): Promise<CallStatusEvent> {
      while (!final) {
        if (!(await condition(() => final !== undefined, checkAfterMs))) {
          let known: CallStatusEvent;
          try {
            known = await askTwilio();
          } catch (err) {
            const failure = err as { message: string; cause?: { message?: string } };
            final ??= { status: 'unknown', reason: `no final status from Twilio: ${failure.cause?.message ?? failure.message}`.slice(0, 300) };
            break;
          }
          if (TERMINAL.has(known.status)) final ??= known;
        }
      }
      return final!;
    },
  };
}
