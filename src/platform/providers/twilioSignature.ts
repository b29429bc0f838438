import type { RequestHandler } from 'express';
import twilio from 'twilio';

/**
 * Checks X-Twilio-Signature against PUBLIC_BASE_URL + the request's path and query, over the form
 * parameters exactly as received, before anything parses them. Missing or wrong: 403, nothing changes.
 * (The SDK's own `twilio.webhook()` answers 400 for a missing header and rebuilds the URL from the Host
 * header, which is wrong behind a proxy.)
 */
export function verifyTwilioSignature(authToken: string, publicBaseUrl: string): RequestHandler {
  return (req, res, next) => {
    const signature = req.header('X-Twilio-Signature');
    const params = (req.body ?? {}) as Record<string, unknown>;
    if (!signature || !twilio.validateRequest(authToken, signature, `${publicBaseUrl}${req.originalUrl}`, params)) {
      req.log?.warn({ path: req.path }, 'rejected a Twilio webhook with a missing or invalid signature');
      res.status(403).type('text/plain').send('Invalid Twilio signature');
      return;
    }
    next();
  };
}
