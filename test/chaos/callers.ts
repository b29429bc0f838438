import { randomInt } from 'node:crypto';
import { DateTime } from 'luxon';
import { SimulatedCall, type SimulatedCallOptions } from '../../src/calls/simulator/simulatedCall';
import { PAUSE_MS } from '../../src/bench/callers';
import { PHRASES, SAYS } from './receptionistModel';

/**
 * The chaos run's callers: each plays one phone call after another, like people, through signed Twilio
 * webhooks (the simulator): book a slot others may want too, cancel their own booking, leave a message,
 * ask for a person, or chat and hang up without a goodbye. A share of webhooks is sent again the way
 * Twilio does it: twice at once, out of order, or late (after the call ended). Every webhook, turn and
 * call is recorded for the invariants and figures.
 */
export interface Line {
  key: 'usage' | 'prepaid';
  number: string;
  timeZone: string;
  service: string;
}

export interface WebhookRecord {
  /** Seconds since the run started. */
  at: number;
  ms: number;
  /** 0: no answer before Twilio's own limit (or the connection failed). */
  status: number;
  kind: 'incoming' | 'turn' | 'status' | 'replay';
}

export interface TurnRecord {
  at: number;
  ms: number;
  /** Webhook requests the turn took: more than one means the caller was asked to hold. */
  requests: number;
  /** A real answer (not the apology that ends the call after the last attempt). */
  answered: boolean;
}

export interface ReplayRecord {
  mode: 'twice' | 'out-of-order' | 'late' | 'incoming' | 'status';
  status: number;
  /** Whether it was answered as the original was (undefined: not comparable, e.g. a hold, or late). */
  same?: boolean;
}

export interface CallRecord {
  callSid: string;
  line: Line['key'];
  from: string;
  greeted: boolean;
  speechSent: number;
  speechAnswered: number;
  gaveUp: boolean;
  failed?: string;
  booked: Array<{ start: string }>;
  cancelled: Array<{ start: string }>;
  messagesConfirmed: number;
  transferred: boolean;
}

/** What a caller was last told about a booking of theirs; `either` when a cancellation was asked for but never confirmed. */
export interface BookingExpectation {
  from: string;
  line: Line['key'];
  start: string;
  state: 'live' | 'cancelled' | 'either';
}

export interface CallerSettings {
  target: string;
  publicBaseUrl: string;
  authToken: string;
  accountSid: string;
  lines: Line[];
  /** Share of webhooks replayed (0–1). */
  replayShare: number;
  /** Told each call's final status, as Twilio's REST API would answer it. */
  onCallEnded: (callSid: string, durationSeconds: number) => void;
}

const GAVE_UP = "can't take your call right now";
const NAMES = ['Alex Rivera', 'Sam Okafor', 'Priya Nair', 'Jonas Berg', 'Mei Chen', 'Lucia Rossi', 'Omar Haddad', 'Ines Costa'];
const MESSAGES = ['please call me back about my bill', 'my crown feels loose since Tuesday', 'I need a receipt for my insurer', 'can my son come in before school'];

export function startCallers(settings: CallerSettings, callers: number, startedAt: number) {
  const webhooks: WebhookRecord[] = [];
  const turns: TurnRecord[] = [];
  const replays: ReplayRecord[] = [];
  const calls: CallRecord[] = [];
  const people: string[] = [];
  const bookings: BookingExpectation[] = [];
  const now = () => (Date.now() - startedAt) / 1000;
  const chance = (p: number) => Math.random() < p;
  const pick = <T>(items: readonly T[]): T => items[randomInt(items.length)]!;
  const sleep = (min: number, max: number) => new Promise((r) => setTimeout(r, min + Math.random() * (max - min)));
  let stopping = false;

  const simulated = (from: string, line: Line, callSid: string | undefined, kind: (path: string) => WebhookRecord['kind'], onRequest?: () => void) => {
    const options: SimulatedCallOptions = {
      target: settings.target,
      publicBaseUrl: settings.publicBaseUrl,
      authToken: settings.authToken,
      accountSid: settings.accountSid,
      from,
      to: line.number,
      callSid,
      requestTimeoutMs: 15_000,
      onResponse: (r) => {
        webhooks.push({ at: now(), ms: r.ms, status: r.status, kind: kind(r.path) });
        onRequest?.();
      },
    };
    return new SimulatedCall(options);
  };
  const kindOf = (path: string): WebhookRecord['kind'] => (path.startsWith('/twilio/voice/incoming') ? 'incoming' : path.startsWith('/twilio/voice/status') ? 'status' : 'turn');

  async function playCall(from: string, name: string): Promise<void> {
    const line = pick(settings.lines);
    let requests = 0;
    const call = simulated(from, line, undefined, kindOf, () => requests++);
    const replayer = simulated(from, line, call.callSid, () => 'replay');
    const record: CallRecord = { callSid: call.callSid, line: line.key, from, greeted: false, speechSent: 0, speechAnswered: 0, gaveUp: false, booked: [], cancelled: [], messagesConfirmed: 0, transferred: false };
    calls.push(record);
    const late: Array<{ path: string; params: Record<string, string> }> = [];
    let pending: { path: string; params: Record<string, string>; twiml: string } | undefined;
    const startedMs = Date.now();

    const replay = async (mode: ReplayRecord['mode'], path: string, params: Record<string, string>, original?: string) => {
      const res = await replayer.post(path, params).catch(() => undefined);
      compare(mode, res ? { status: res.status, body: await res.text() } : undefined, original);
    };
    const compare = (mode: ReplayRecord['mode'], answer: { status: number; body: string } | undefined, original?: string) => {
      const comparable = original !== undefined && answer?.status === 200 && !answer.body.includes('<Redirect') && !original.includes('<Redirect');
      replays.push({ mode, status: answer?.status ?? 0, ...(comparable ? { same: answer.body === original } : {}) });
    };

    /** One turn: how long until the caller hears a real answer, through any holds. */
    const turn = async (act: () => Promise<unknown>): Promise<boolean> => {
      requests = 0;
      const at = now();
      const t0 = performance.now();
      try {
        await act();
      } catch (error) {
        record.failed = (error as Error).message.slice(0, 200);
        return false;
      }
      const answered = !call.lastSaid.some((s) => s.includes(GAVE_UP));
      turns.push({ at, ms: performance.now() - t0, requests, answered });
      if (!answered) record.gaveUp = true;
      return answered;
    };

    const speak = async (text: string): Promise<string | undefined> => {
      if (call.ended || record.failed) return undefined;
      await sleep(...PAUSE_MS);
      const path = call.state.next!;
      const params = { CallStatus: 'in-progress', SpeechResult: text, Confidence: '0.92' };
      record.speechSent++;
      // Twice at once: the same webhook again while the first is still being answered.
      const twice = chance(settings.replayShare / 3)
        ? sleep(20, 400).then(() => replayer.post(path, params)).then(async (r) => ({ status: r.status, body: await r.text() }), () => undefined)
        : undefined;
      const ok = await turn(() => call.say(text));
      if (twice) compare('twice', await twice, call.twiml);
      if (pending) {
        await replay('out-of-order', pending.path, pending.params, pending.twiml);
        pending = undefined;
      }
      if (chance(settings.replayShare / 3)) pending = { path, params, twiml: call.twiml };
      else if (chance(settings.replayShare / 3)) late.push({ path, params });
      if (!ok) return undefined;
      record.speechAnswered++;
      return call.lastSaid.join(' ');
    };

    record.greeted = await turn(() => call.dial());
    if (record.greeted && chance(settings.replayShare / 3)) await replay('incoming', '/twilio/voice/incoming', { CallStatus: 'ringing', Direction: 'inbound' }, call.twiml);
    const scenario = pick(['book', 'book', 'book', 'cancel', 'message', 'message', 'transfer', 'chat', 'chat'] as const);
    const own = bookings.filter((b) => b.from === from && b.line === line.key && b.state === 'live');
    if (scenario === 'cancel' && own.length > 0) {
      const booking = pick(own);
      booking.state = 'either';
      const said = await speak(PHRASES.cancel(booking.start, from));
      if (said?.includes(SAYS.cancelled)) {
        record.cancelled.push({ start: booking.start });
        booking.state = 'cancelled';
      }
      await speak(PHRASES.goodbye);
    } else if (scenario === 'book' || scenario === 'cancel') {
      const day = DateTime.now().setZone(line.timeZone).plus({ days: 1 + randomInt(12) }).startOf('day');
      const iso = (d: DateTime) => d.toISO({ suppressMilliseconds: true })!;
      const offered = await speak(PHRASES.availability(line.service, iso(day), iso(day.plus({ days: 2 }))));
      const slots = offered?.includes(SAYS.slots) ? offered.slice(offered.indexOf(SAYS.slots) + SAYS.slots.length).split(',').map((s) => s.trim().replace(/\.$/, '')) : [];
      if (slots.length > 0) {
        // The first few slots: other callers looking at the same days want them too.
        const start = slots[randomInt(Math.min(3, slots.length))]!;
        const said = await speak(PHRASES.book(line.service, start, name, from));
        if (said?.includes(SAYS.booked)) {
          record.booked.push({ start });
          const earlier = bookings.find((b) => b.from === from && b.line === line.key && b.start === start);
          if (earlier) earlier.state = 'live';
          else bookings.push({ from, line: line.key, start, state: 'live' });
        }
      }
      await speak(PHRASES.goodbye);
    } else if (scenario === 'message') {
      const said = await speak(PHRASES.message(name, pick(MESSAGES)));
      if (said?.includes(SAYS.messageTaken)) record.messagesConfirmed++;
      if (chance(0.5)) await speak(PHRASES.goodbye);
    } else if (scenario === 'transfer') {
      await speak(PHRASES.transfer);
      if (call.dialing && !call.ended) {
        await sleep(2000, 6000); // talking to the person
        record.transferred = await turn(() => call.dialResult('completed'));
      }
    } else {
      await speak('Do you take insurance?');
      await speak('What are your opening hours?');
    }
    // Hanging up: Twilio's status callback, then (sometimes) the same again and an older one, late.
    const duration = Math.max(1, Math.round((Date.now() - startedMs) / 1000));
    settings.onCallEnded(call.callSid, duration);
    await call.status('completed', duration).catch((error: Error) => (record.failed ??= error.message));
    for (const old of late) await replay('late', old.path, old.params);
    if (chance(settings.replayShare / 3)) {
      await replay('status', '/twilio/voice/status', { CallStatus: 'completed', CallDuration: String(duration), SequenceNumber: '5', CallbackSource: 'call-progress-events' });
      await replay('status', '/twilio/voice/status', { CallStatus: 'in-progress', SequenceNumber: '1', CallbackSource: 'call-progress-events' });
    }
  }

  const running = Promise.all(
    Array.from({ length: callers }, async (_, i) => {
      const from = `+1312555${String(1000 + i)}`;
      const name = `${NAMES[i % NAMES.length]} ${i}`;
      people.push(from, name);
      await sleep(0, 5000); // people do not all ring in the same second
      while (!stopping) {
        await playCall(from, name);
        await sleep(1000, 5000);
      }
    }),
  );
  return {
    webhooks,
    turns,
    replays,
    calls,
    bookings,
    /** The callers' numbers and names: none may appear in a log line. */
    people,
    /** Callers finish the call they are on, then stop. */
    async stop(): Promise<void> {
      stopping = true;
      await running;
    },
  };
}
