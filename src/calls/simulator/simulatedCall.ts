import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { TERMINAL_CALL_STATUSES } from '../../../workflows/calls/definitions';

/**
 * Plays Twilio's side of a phone call against a running Callgenly: signs and sends the same webhooks
 * Twilio sends (incoming call, speech results, dial results, status callbacks), follows the TwiML, and
 * keeps what was said. Used by `npm run call` and by the tests.
 */
export interface SimulatedCallOptions {
  /** Where the API listens, e.g. http://localhost:3000. */
  target: string;
  /** PUBLIC_BASE_URL of that instance: what Twilio signs, and the host of the action URLs in its TwiML. */
  publicBaseUrl: string;
  authToken: string;
  accountSid: string;
  from: string;
  to: string;
  callSid?: string;
  /** Twilio gives up on a webhook after 15 s; the default waits for ever. */
  requestTimeoutMs?: number;
  /** Told of every webhook sent: its path, status (0: no answer) and how long the answer took. */
  onResponse?: (response: { path: string; status: number; ms: number }) => void;
}

export interface Line {
  who: 'agent' | 'caller';
  text: string;
}

/** Where a call stands between two requests (the console's trial conversation carries it, signed). */
export interface SimulatedCallState {
  callSid: string;
  next?: string;
  sequence: number;
  startedAt: number;
}

export class SimulatedCall {
  readonly callSid: string;
  readonly lines: Line[] = [];
  /** The last TwiML received. */
  twiml = '';
  private next?: string;
  private sequence = 0;
  private startedAt = Date.now();

  constructor(private readonly options: SimulatedCallOptions) {
    this.callSid = options.callSid ?? `CA${randomBytes(16).toString('hex')}`;
  }

  /** A call taken up again where `state` left it. */
  static resume(options: Omit<SimulatedCallOptions, 'callSid'>, state: SimulatedCallState): SimulatedCall {
    const call = new SimulatedCall({ ...options, callSid: state.callSid });
    call.next = state.next;
    call.sequence = state.sequence;
    call.startedAt = state.startedAt;
    return call;
  }

  get state(): SimulatedCallState {
    return { callSid: this.callSid, next: this.next, sequence: this.sequence, startedAt: this.startedAt };
  }

  get ended(): boolean {
    return this.next === undefined;
  }

  /** What the agent said in the last TwiML. */
  get lastSaid(): string[] {
    return [...this.twiml.matchAll(/<Say[^>]*>([^<]*)<\/Say>/g)].map((m) => decode(m[1]!));
  }

  /** The number a <Dial> in the last TwiML rings, if any. */
  get dialing(): string | undefined {
    return /<Dial[^>]*>\s*<Number>([^<]+)<\/Number>/.exec(this.twiml)?.[1];
  }

  async dial(): Promise<string> {
    return this.follow('/twilio/voice/incoming', { CallStatus: 'ringing', Direction: 'inbound' });
  }

  /**
   * The callee picking up a call Callgenly placed (the coach's built-in engine): Twilio requests the call's
   * URL once answering-machine detection has decided, with its verdict (`human`, `machine_start`, …).
   */
  async answer(pathWithQuery: string, answeredBy = 'human'): Promise<string> {
    return this.follow(pathWithQuery, { CallStatus: 'in-progress', Direction: 'outbound-api', AnsweredBy: answeredBy });
  }

  async say(text: string): Promise<string> {
    this.lines.push({ who: 'caller', text });
    return this.follow(this.requireNext(), { CallStatus: 'in-progress', SpeechResult: text, Confidence: '0.92' });
  }

  async silence(): Promise<string> {
    return this.follow(this.requireNext(), { CallStatus: 'in-progress' });
  }

  /** The result of a <Dial>: completed, busy, no-answer, failed, canceled. */
  async dialResult(dialStatus: string): Promise<string> {
    return this.follow(this.requireNext(), { CallStatus: 'in-progress', DialCallStatus: dialStatus });
  }

  /** Twilio's status callback; `completed` with the call's duration ends it. */
  async status(callStatus: string, durationSeconds?: number, sequence = this.sequence++): Promise<number> {
    const params: Record<string, string> = { CallStatus: callStatus, SequenceNumber: String(sequence), CallbackSource: 'call-progress-events' };
    const duration = durationSeconds ?? Math.max(1, Math.round((Date.now() - this.startedAt) / 1000));
    if (TERMINAL_CALL_STATUSES.includes(callStatus)) params.CallDuration = String(duration);
    const res = await this.post('/twilio/voice/status', params);
    this.next = undefined;
    return res.status;
  }

  /** Sends a signed webhook; `signature` overrides the correct one (to test rejection). */
  async post(pathWithQuery: string, extra: Record<string, string>, signature?: string): Promise<Response> {
    const params: Record<string, string> = {
      AccountSid: this.options.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: this.callSid,
      From: this.options.from,
      To: this.options.to,
      ...extra,
    };
    const sig = signature ?? twilio.getExpectedTwilioSignature(this.options.authToken, `${this.options.publicBaseUrl}${pathWithQuery}`, params);
    const started = performance.now();
    const told = (status: number) => this.options.onResponse?.({ path: pathWithQuery, status, ms: performance.now() - started });
    try {
      const res = await fetch(`${this.options.target}${pathWithQuery}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig },
        body: new URLSearchParams(params).toString(),
        ...(this.options.requestTimeoutMs ? { signal: AbortSignal.timeout(this.options.requestTimeoutMs) } : {}),
      });
      if (!this.options.onResponse) return res;
      // The answer's time includes its body: a handler can send headers and stall on the rest.
      const body = [204, 205, 304].includes(res.status) ? null : await res.arrayBuffer();
      told(res.status);
      return new Response(body, { status: res.status, headers: res.headers });
    } catch (error) {
      told(0);
      throw error;
    }
  }

  private async follow(pathWithQuery: string, extra: Record<string, string>): Promise<string> {
    const res = await this.post(pathWithQuery, extra);
    if (!res.ok) throw new Error(`${pathWithQuery} answered ${res.status}: ${await res.text()}`);
    this.twiml = await res.text();
    for (const text of this.lastSaid) this.lines.push({ who: 'agent', text });
    // A <Redirect> (the platform asking Twilio to try again): Twilio requests it with the call's own
    // parameters only, as here.
    const redirect = /<Redirect[^>]*>([^<]+)<\/Redirect>/.exec(this.twiml)?.[1];
    if (redirect) {
      const { SpeechResult: _s, Confidence: _c, DialCallStatus: _d, ...callParams } = extra;
      return this.follow(this.toPath(decode(redirect)), callParams);
    }
    const action = /<(?:Gather|Dial)[^>]* action="([^"]+)"/.exec(this.twiml)?.[1];
    this.next = action ? this.toPath(decode(action)) : undefined;
    return this.twiml;
  }

  private toPath(url: string): string {
    const parsed = new URL(url, this.options.publicBaseUrl);
    return parsed.pathname + parsed.search;
  }

  private requireNext(): string {
    if (!this.next) throw new Error('the call has ended');
    return this.next;
  }
}

function decode(text: string): string {
  return text.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
