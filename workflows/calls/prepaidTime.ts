import { condition } from '@temporalio/workflow';
import type { CallAction, CallStart, TurnInput } from './definitions';

export const TIME_UP = "I'm sorry, the time available for this call is up, so I have to end it here. Goodbye!";
const TIME_NEARLY_UP = 'Just so you know, this call is almost out of time.';

/**
 * A prepaid call lasts as long as the balance pays for (a practice call, as long as planned): the caller
 * hears when the time is nearly up, and the first turn after it is up ends the call politely. Both waits end early when the call does.
 */
export function prepaidClock(limit: NonNullable<CallStart['prepaid']>, callEnded: () => boolean) {
  let nearlyUp = false;
  let up = false;
  let warned = false;
  const { secondsLeft, warnSecondsBefore } = limit;
  const timeUp = limit.timeUpLine ?? TIME_UP;
  const nearlyUpLine = limit.nearlyUpLine ?? TIME_NEARLY_UP;
  const running = (async () => {
    if (!(await condition(callEnded, Math.max(0, secondsLeft - warnSecondsBefore) * 1000))) nearlyUp = true;
    if (!(await condition(callEnded, Math.min(secondsLeft, warnSecondsBefore) * 1000))) up = true;
  })();
  return {
    running,
    /** The turn's answer, with the warning added once, or the goodbye (`say`, which records it) when time is up. */
    async turn(input: TurnInput, handle: (input: TurnInput) => Promise<CallAction>, say: (line: string) => void): Promise<CallAction> {
      if (up && input.kind !== 'answer') {
        say(timeUp);
        return { type: 'hangup', say: timeUp };
      }
      const action = await handle(input);
      if (!nearlyUp || warned || action.type !== 'gather') return action;
      warned = true;
      say(nearlyUpLine);
      return { ...action, say: [...action.say, nearlyUpLine] };
    },
  };
}
