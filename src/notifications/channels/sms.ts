import type { Db } from '../../platform/db/knex';
import type { TwilioProvider } from '../../platform/providers/twilio';

// Twilio's standard opt-out and opt-in keywords: carriers and Twilio act on them too, so we must agree.
const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const OPT_IN = new Set(['START', 'YES', 'UNSTOP']);

/** A text to someone who opted out of this number: never sent, and retrying will not change that. */
export class SmsOptedOutError extends Error {
  override name = 'SmsOptedOutError';
}

export interface SmsChannel {
  /** Sends unless `to` texted STOP to `from`; returns Twilio's message SID. */
  send(input: { from: string; to: string; body: string }): Promise<string>;
  /** Records STOP / START texted by `from` to our number `to`; null when the text is not one of those words. */
  handleKeyword(input: { from: string; to: string; body: string }): Promise<'opted_out' | 'opted_in' | null>;
}

/** Every text Callgenly sends goes through here, so an opt-out is honoured whatever sends the text. */
export function createSmsChannel(deps: { db: Db; twilio: Pick<TwilioProvider, 'sendSms'> }): SmsChannel {
  const optOuts = () => deps.db('sms_opt_outs');
  return {
    async send(input) {
      if (await optOuts().where({ from_e164: input.from, to_e164: input.to }).first()) {
        throw new SmsOptedOutError(`${input.to} opted out of texts from ${input.from}`);
      }
      return deps.twilio.sendSms(input);
    },
    async handleKeyword({ from, to, body }) {
      const word = body.trim().toUpperCase();
      if (OPT_OUT.has(word)) {
        await optOuts().insert({ from_e164: to, to_e164: from }).onConflict(['from_e164', 'to_e164']).ignore();
        return 'opted_out';
      }
      if (OPT_IN.has(word)) {
        await optOuts().where({ from_e164: to, to_e164: from }).delete();
        return 'opted_in';
      }
      return null;
    },
  };
}
