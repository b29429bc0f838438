import type { Request, Response } from 'express';
import { DeadlineExceeded, withinDeadline } from '../../platform/http/deadline';
import { holdAndRetry, sayAndHangUp } from './twiml';

/** Twilio asks again (a <Redirect>) when an answer did not come within the deadline; this many times in all. */
export const MAX_ATTEMPTS = 3;

/**
 * Runs a voice webhook's work (it yields TwiML) within WEBHOOK_DEADLINE_MS. Past it, or on a failure
 * retrying might mend (the database or Temporal unreachable, a workflow not started yet), the caller hears
 * `hold` and Twilio asks again at `retryUrl`; the last attempt says `giveUp`. Never a 5xx, never a hung
 * request. Shared by every voice webhook a person is waiting on (incoming calls, turns, outbound answers).
 */
export async function answerInTime(
  req: Request,
  res: Response,
  options: { deadlineMs: number; attempt: number; retryUrl: string; hold: string; giveUp: string },
  work: () => Promise<string>,
): Promise<void> {
  const twiml = (xml: string) => res.type('text/xml').send(xml);
  try {
    twiml(await withinDeadline(work(), options.deadlineMs, (err) => req.log.warn({ err }, 'voice webhook work failed after its answer')));
  } catch (err) {
    const timedOut = err instanceof DeadlineExceeded;
    req.log[timedOut ? 'warn' : 'error']({ err, attempt: options.attempt }, timedOut ? 'voice webhook answered at its deadline' : 'voice webhook failed');
    twiml(options.attempt < MAX_ATTEMPTS ? holdAndRetry(options.hold, options.retryUrl) : sayAndHangUp(options.giveUp));
  }
}
