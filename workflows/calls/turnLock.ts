import { condition } from '@temporalio/workflow';

/**
 * Turns are handled one at a time. Twilio sends one turn at a time, but a retried webhook's Update can
 * overlap the turn still running; of several handlers woken together, only one goes on.
 */
export function oneTurnAtATime() {
  let busy = false;
  return {
    get busy(): boolean {
      return busy;
    },
    async run<T>(turn: () => Promise<T>): Promise<T> {
      await condition(() => !busy);
      while (busy) await condition(() => !busy);
      busy = true;
      try {
        return await turn();
      } finally {
        busy = false;
      }
    },
  };
}
