import express from 'express';
import { verifyTwilioSignature } from '../platform/providers/twilioSignature';
import { renderCallAction } from '../calls/api/twiml';
import type { LlmProvider } from '../platform/providers/llm';

/**
 * The benchmark's baseline: the same signed Twilio webhook, checked the same way, answered by calling the
 * same LLM directly from an Express handler and rendering the same TwiML. No Temporal, no PostgreSQL, no durability:
 * the difference to the real path is what durability costs the caller.
 */
export function baselineApp(llm: LlmProvider, authToken: string, publicBaseUrl: string): express.Express {
  const app = express();
  app.use(express.urlencoded({ extended: false }), verifyTwilioSignature(authToken, publicBaseUrl));
  app.post('/twilio/voice/incoming', (_req, res) => {
    res.type('text/xml').send(renderCallAction({ type: 'gather', say: ['Thank you for calling. How can I help you?'], turn: 1 }, publicBaseUrl));
  });
  app.post('/twilio/voice/turn', async (req, res) => {
    const n = Number(req.query.n ?? 1);
    const reply = await llm.complete([{ role: 'user', content: String(req.body.SpeechResult ?? '') }], []);
    res.type('text/xml').send(renderCallAction({ type: 'gather', say: [reply.content ?? ''], turn: n + 1 }, publicBaseUrl));
  });
  app.post('/twilio/voice/status', (_req, res) => {
    res.status(204).end();
  });
  return app;
}
