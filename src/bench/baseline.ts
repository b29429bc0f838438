import express from 'express';
import twilio from 'twilio';
import type { LlmProvider } from '../providers/llm';
import { verifyTwilioSignature } from '../api/twilio/signature';

/**
 * The benchmark's baseline: the same signed Twilio webhook, checked the same way, answered by calling the
 * same LLM directly from an Express handler and rendering TwiML. No Temporal, no PostgreSQL, no durability:
 * the difference to the real path is what durability costs the caller.
 */
export function baselineApp(llm: LlmProvider, authToken: string, publicBaseUrl: string): express.Express {
  const app = express();
  app.use(express.urlencoded({ extended: false }), verifyTwilioSignature(authToken, publicBaseUrl));
  app.post('/twilio/voice/incoming', (_req, res) => {
    res.type('text/xml').send(gather('Thank you for calling. How can I help you?', 1, publicBaseUrl));
  });
  app.post('/twilio/voice/turn', async (req, res) => {
    const n = Number(req.query.n ?? 1);
    const reply = await llm.complete([{ role: 'user', content: String(req.body.SpeechResult ?? '') }], []);
    res.type('text/xml').send(gather(reply.content ?? '', n + 1, publicBaseUrl));
  });
  app.post('/twilio/voice/status', (_req, res) => {
    res.status(204).end();
  });
  return app;
}

function gather(text: string, turn: number, publicBaseUrl: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.gather({ input: ['speech'], action: `${publicBaseUrl}/twilio/voice/turn?n=${turn}`, speechTimeout: 'auto' }).say(text);
  return response.toString();
}
