import type { Request, Response } from 'express';
import type { z } from 'zod';

/**
 * Parses a Twilio webhook's form parameters (after the signature check, with loose schemas: Twilio adds
 * parameters without notice). Malformed: 400, logged, and undefined so the handler stops.
 */
export function parseWebhook<T extends z.ZodType>(schema: T, req: Request, res: Response): z.infer<T> | undefined {
  const parsed = schema.safeParse(req.body);
  if (parsed.success) return parsed.data;
  req.log.warn({ issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'malformed Twilio webhook');
  res.status(400).type('text/plain').send('Malformed Twilio webhook');
  return undefined;
}
