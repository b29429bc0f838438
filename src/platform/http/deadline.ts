/** Why a webhook answered before the work behind it finished. */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/**
 * `work`, or DeadlineExceeded after `ms`: a provider waiting on a webhook (Twilio gives up at 15 s) gets an
 * answer in time whatever happens behind it. The work itself goes on (Temporal keeps it), and a failure it
 * meets after the deadline is only logged.
 */
export function withinDeadline<T>(work: Promise<T>, ms: number, onLateFailure: (err: unknown) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new DeadlineExceeded(ms));
    }, ms);
  });
  return Promise.race([
    work.catch((err: unknown) => {
      if (late) onLateFailure(err);
      throw err;
    }),
    deadline,
  ]).finally(() => clearTimeout(timer));
}
