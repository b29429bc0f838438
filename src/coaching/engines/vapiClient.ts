import { z } from 'zod';
import { refusedForGood } from '../../platform/providers/httpRefusal';

/**
 * Vapi's REST API, through `fetch` with zod-checked answers. Not `@vapi-ai/server-sdk`: it validates no
 * response, retries `POST /call` twice by default with no idempotency key (a learner's phone could ring
 * twice), and weighs 24 MB per module format with a 0.7 s `require`. Only what the coach uses is here.
 */

/** One line of a call's conversation as Vapi reports it; `time`/`endTime` are epoch ms. */
const VapiMessage = z.looseObject({
  role: z.string(),
  message: z.string().optional(),
  time: z.number().optional(),
  endTime: z.number().optional(),
  secondsFromStart: z.number().optional(),
});

export const VapiArtifact = z.looseObject({
  transcript: z.string().optional(),
  messages: z.array(VapiMessage).optional(),
  recordingUrl: z.string().optional(),
});

export const VapiCall = z.looseObject({
  id: z.string().min(1),
  status: z.string().optional(),
  endedReason: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  cost: z.number().optional(),
  artifact: VapiArtifact.optional(),
  assistant: z.looseObject({ metadata: z.record(z.string(), z.unknown()).optional() }).optional(),
});
export type VapiCall = z.infer<typeof VapiCall>;
export type VapiArtifact = z.infer<typeof VapiArtifact>;

/** Vapi answered with an error status; 4xx other than 408/429 will not change on retry. */
export class VapiError extends Error {
  override name = 'VapiError';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`Vapi answered ${status}: ${body.slice(0, 300)}`);
  }
  get permanent(): boolean {
    return refusedForGood(this.status);
  }
}

export interface VapiClient {
  /** Places a call, once: never retried here (the caller reconciles with `findCall` before trying again). */
  createCall(body: Record<string, unknown>): Promise<VapiCall>;
  getCall(id: string): Promise<VapiCall>;
  /** The call this attempt already placed, if any: matched on our key in the assistant's metadata. */
  findCall(input: { phoneNumberId?: string; createdAfter: Date; attemptKey: string }): Promise<VapiCall | undefined>;
  /** Deletes the call's data at Vapi (recordings included); one already gone counts as deleted. */
  deleteCall(id: string): Promise<'deleted' | 'already-gone'>;
  /**
   * The learner-only recording (`GET /call/:id/customer-recording`, a redirect to a short-lived signed URL
   * that is followed, never kept); undefined when Vapi has none (deleted, or never recorded).
   */
  learnerRecording(id: string): Promise<{ contentType: string; audio: Buffer } | undefined>;
}

export function createVapiClient(config: { apiKey: string; baseUrl: string; timeoutMs?: number; fetch?: typeof fetch }): VapiClient {
  const base = config.baseUrl.replace(/\/$/, '');
  const doFetch = config.fetch ?? fetch;
  async function request(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(config.timeoutMs ?? 20_000),
    });
    const text = await res.text();
    if (!res.ok) throw new VapiError(res.status, text);
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      throw new VapiError(502, `not JSON: ${text.slice(0, 100)}`);
    }
  }
  return {
    async createCall(body) {
      return VapiCall.parse(await request('POST', '/call', body));
    },
    async getCall(id) {
      return VapiCall.parse(await request('GET', `/call/${encodeURIComponent(id)}`));
    },
    async findCall({ phoneNumberId, createdAfter, attemptKey }) {
      const query = new URLSearchParams({ createdAtGe: createdAfter.toISOString(), limit: '100' });
      if (phoneNumberId) query.set('phoneNumberId', phoneNumberId);
      const calls = z.array(VapiCall).parse(await request('GET', `/call?${query}`));
      return calls.find((c) => c.assistant?.metadata?.attemptKey === attemptKey);
    },
    async deleteCall(id) {
      try {
        await request('DELETE', `/call/${encodeURIComponent(id)}`, {});
        return 'deleted';
      } catch (error) {
        if (error instanceof VapiError && error.status === 404) return 'already-gone';
        throw error;
      }
    },
    async learnerRecording(id) {
      // fetch drops the Authorization header when the redirect leaves Vapi's origin (the signed URL needs none).
      const res = await doFetch(`${base}/call/${encodeURIComponent(id)}/customer-recording`, { headers: { authorization: `Bearer ${config.apiKey}` }, redirect: 'follow', signal: AbortSignal.timeout(config.timeoutMs ?? 60_000) });
      if (res.status === 404) return undefined;
      if (!res.ok) throw new VapiError(res.status, await res.text());
      return { contentType: res.headers.get('content-type') ?? '', audio: Buffer.from(await res.arrayBuffer()) };
    },
  };
}
