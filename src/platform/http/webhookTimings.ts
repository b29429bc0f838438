import type { Request, RequestHandler } from 'express';
import { stageTimings, type Stage } from '../stageTimings';

/** The profiled webhooks (the caller waits on them), by path under /twilio. */
const PROFILED: Record<string, { whole: Stage; intake: Stage }> = {
  '/voice/incoming': { whole: 'answer: webhook in Express (arrival → answer sent)', intake: 'answer: form parsing + Twilio signature' },
  '/voice/turn': { whole: 'turn: webhook in Express (arrival → answer sent)', intake: 'turn: form parsing + Twilio signature' },
};

const ARRIVED = Symbol('arrivedAt');
type Timed = Request & { [ARRIVED]?: number };

/**
 * For `npm run bench -- --profile`: `arrival` goes before the form parser and the signature check, `intakeDone`
 * after them; together they time the intake and the whole webhook in Express. Nothing when not profiling.
 */
export const webhookTimings: { arrival: RequestHandler; intakeDone: RequestHandler } = {
  arrival(req, res, next) {
    const stages = stageTimings.recording ? PROFILED[req.path] : undefined;
    if (stages) {
      const arrived = performance.now();
      (req as Timed)[ARRIVED] = arrived;
      res.once('finish', () => stageTimings.record(stages.whole, performance.now() - arrived));
    }
    next();
  },
  intakeDone(req, _res, next) {
    const arrived = (req as Timed)[ARRIVED];
    const stages = PROFILED[req.path];
    if (arrived !== undefined && stages) stageTimings.record(stages.intake, performance.now() - arrived);
    next();
  },
};
