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
    async ended(checkAfterMs: number, askTwilio: () => Promise<CallStatusEvent>): Promise<CallStatusEvent> {
      while (!final) {
        if (!(await condition(() => final !== undefined, checkAfterMs))) {
          const known = await askTwilio();
          if (TERMINAL.has(known.status)) final ??= known;
        }
      }
      return final;
    },
  };
}
