import type { Request, Response } from 'express';
import type { z } from 'zod';
import { scrubText } from '../../platform/http/textInput';

/** Longer than any parameter Twilio sends (a SpeechResult is a few sentences). */
const MAX_PARAM_LENGTH = 4096;

/**
 * Parses a Twilio webhook's form parameters (after the signature check, with loose schemas: Twilio adds
 * parameters without notice). Text is scrubbed first (control characters dropped, broken Unicode replaced,
 * absurd lengths cut): a signed webhook must still be answered, and nothing unstorable may reach the call.
 * Malformed: 400, logged, and undefined so the handler stops.
 */
export function parseWebhook<T extends z.ZodType>(schema: T, req: Request, res: Response): z.infer<T> | undefined {
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries((req.body ?? {}) as Record<string, unknown>)) {
    params[scrubText(name, 256)] = typeof value === 'string' ? scrubText(value, MAX_PARAM_LENGTH) : value;
  }
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  req.log.warn({ issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'malformed Twilio webhook');
  res.status(400).type('text/plain').send('Malformed Twilio webhook');
  return undefined;
}
