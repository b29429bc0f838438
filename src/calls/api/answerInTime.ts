import type { Request, Response } from 'express';
import { DeadlineExceeded, withinDeadline } from '../../platform/http/deadline';
import { holdAndRetry, sayAndHangUp } from './twiml';

/** Twilio asks again (a <Redirect>) when an answer did not come within the deadline; this many times in all. */
export const MAX_ATTEMPTS = 3;

/**
 * Runs a voice webhook's work (it yields TwiML) within WEBHOOK_DEADLINE_MS. A failure (the database or
 * Temporal restarting, a workflow not started yet) is tried again within that time: the work is idempotent
 * (Update ids, lookups), and a blip of a few seconds is better absorbed here than spent on one of Twilio's
 * attempts, which follow a <Redirect> at once. Past the deadline the caller hears `hold` and Twilio asks
 * again at `retryUrl`; the last attempt says `giveUp`. Never a 5xx, never a hung request. Shared by every
 * voice webhook a person is waiting on (incoming calls, turns, outbound answers).
 */
export async function answerInTime(
  req: Request,
  res: Response,
  options: { deadlineMs: number; attempt: number; retryUrl: string; hold: string; giveUp: string },
  work: () => Promise<string>,
): Promise<void> {
  const twiml = (xml: string) => res.type('text/xml').send(xml);
  try {
    const deadline = Date.now() + options.deadlineMs;
    twiml(await withinDeadline(untilDeadline(work, deadline, req), options.deadlineMs, (err) => req.log.warn({ err }, 'voice webhook work failed after its answer')));
  } catch (err) {
    const timedOut = err instanceof DeadlineExceeded;
    req.log[timedOut ? 'warn' : 'error']({ err, attempt: options.attempt }, timedOut ? 'voice webhook answered at its deadline' : 'voice webhook failed');
    twiml(options.attempt < MAX_ATTEMPTS ? holdAndRetry(options.hold, options.retryUrl) : sayAndHangUp(options.giveUp));
  }
}

/** `work`, tried again after a failure with a growing pause (0.2 s to 2 s) while time is left before `deadline`. */
export async function untilDeadline<T>(work: () => Promise<T>, deadline: number, req: Request, retryable: (err: unknown) => boolean = () => true): Promise<T> {
  for (let pause = 200; ; pause = Math.min(pause * 2, 2000)) {
    try {
      return await work();
    } catch (err) {
      if (!retryable(err) || Date.now() + pause >= deadline) throw err;
      req.log.warn({ err }, 'voice webhook work failed; trying again within the deadline');
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
