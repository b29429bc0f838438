import twilio, { type Twilio } from 'twilio';
import type { Config } from '../config';

/** Twilio refusing a request (a landline, an invalid or blocked number) will not change on retry; 429 will. */
export function isPermanentTwilioError(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return Boolean(status && status >= 400 && status < 500 && status !== 429);
}

export interface TwilioProvider {
  sendSms(input: { from: string; to: string; body: string }): Promise<string>;
  /** The call as Twilio's REST API knows it (used when a status callback never arrives). */
  fetchCall(callSid: string): Promise<{ status: string; durationSeconds?: number }>;
  /**
   * Places an outbound call (the coach's built-in engine): Twilio asks `url` for TwiML when it is answered,
   * after answering-machine detection, and posts its progress to `statusCallback`. Returns the CallSid.
   */
  placeCall(input: { to: string; from: string; url: string; statusCallback: string; ringSeconds: number; timeLimitSeconds: number }): Promise<string>;
  /** Calls from `from` to `to` created since `after` (finding one an interrupted attempt placed). */
  findCalls(input: { to: string; from: string; after: Date }): Promise<string[]>;
  /** Deletes a recording's media at Twilio; one that is already gone counts as deleted. */
  deleteRecording(recordingSid: string): Promise<'deleted' | 'already-gone'>;
  /** A recording's MP3 as Twilio serves it (its media needs the account's credentials, which the SDK does not fetch). */
  recordingAudio(recordingSid: string): Promise<Response>;
}

/**
 * A thin adapter over the real `twilio` SDK. The SDK has no base-URL option: a local server speaking
 * Twilio's wire format is reached by re-pointing the api.twilio.com domain, which covers Calls, Messages
 * and Recordings.
 */
export function createTwilioProvider(config: Config['twilio']): TwilioProvider {
  // A request never outlives the activity that makes it (a minute), so a retry never overlaps it.
  const client: Twilio = twilio(config.accountSid, config.authToken, { autoRetry: true, maxRetries: 3, timeout: 15_000 });
  if (config.apiBaseUrl) client.api.baseUrl = config.apiBaseUrl.replace(/\/$/, '');
  return {
    async sendSms({ from, to, body }) {
      const message = await client.messages.create({ from, to, body });
      return message.sid;
    },
    async fetchCall(callSid) {
      const call = await client.calls(callSid).fetch();
      const duration = Number.parseInt(call.duration ?? '', 10);
      return { status: call.status, durationSeconds: Number.isFinite(duration) ? duration : undefined };
    },
    async placeCall(input) {
      const call = await client.calls.create({
        to: input.to,
        from: input.from,
        url: input.url,
        statusCallback: input.statusCallback,
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        // Human or machine is reported as soon as it is recognised; a machine is hung up on.
        machineDetection: 'Enable',
        timeout: input.ringSeconds,
        timeLimit: input.timeLimitSeconds,
      });
      return call.sid;
    },
    async findCalls(input) {
      const calls = await client.calls.list({ to: input.to, from: input.from, startTimeAfter: input.after, limit: 20 });
      return calls.map((c) => c.sid);
    },
    async deleteRecording(recordingSid) {
      try {
        await client.recordings(recordingSid).remove();
        return 'deleted';
      } catch (error) {
        // A retry after a crash between Twilio's delete and our bookkeeping finds it gone: that is success.
        if ((error as { status?: number }).status === 404) return 'already-gone';
        throw error;
      }
    },
    recordingAudio(recordingSid) {
      if (!/^RE[0-9a-f]{32}$/i.test(recordingSid)) throw new Error(`not a recording sid: ${recordingSid}`);
      const base = (config.apiBaseUrl ?? 'https://api.twilio.com').replace(/\/$/, '');
      const credentials = Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64');
      return fetch(`${base}/2010-04-01/Accounts/${config.accountSid}/Recordings/${recordingSid}.mp3`, { headers: { authorization: `Basic ${credentials}` }, signal: AbortSignal.timeout(15_000) });
    },
  };
}
