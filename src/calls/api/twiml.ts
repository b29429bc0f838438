import twilio from 'twilio';
import type { CallAction } from '../../../workflows/calls/definitions';

const VOICE = 'Polly.Joanna-Neural';
const { VoiceResponse } = twilio.twiml;

/** Renders the call workflow's next action as TwiML. Gather posts back to the turn endpoint, numbered. */
export function renderCallAction(action: CallAction, publicBaseUrl: string): string {
  const response = new VoiceResponse();
  const turnUrl = (turn: number, extra = '') => `${publicBaseUrl}/twilio/voice/turn?n=${turn}${extra}`;
  switch (action.type) {
    case 'gather': {
      let lines = action.say;
      if (action.startRecording) {
        // The announcement is heard before the recording starts.
        response.say({ voice: VOICE }, lines[0] ?? '');
        response.start().recording({
          recordingStatusCallback: `${publicBaseUrl}/twilio/voice/recording`,
          recordingStatusCallbackEvent: ['in-progress', 'completed', 'absent'],
          channels: 'dual',
        });
        lines = lines.slice(1);
      }
      const gather = response.gather({
        input: ['speech'],
        action: turnUrl(action.turn),
        method: 'POST',
        speechTimeout: 'auto',
        actionOnEmptyResult: true,
        language: 'en-US',
      });
      for (const line of lines) gather.say({ voice: VOICE }, line);
      break;
    }
    case 'transfer': {
      response.say({ voice: VOICE }, action.say);
      response.dial({ action: turnUrl(action.turn, '&dial=1'), method: 'POST', timeout: 20 }).number(action.to);
      break;
    }
    case 'hangup':
      if (action.say) response.say({ voice: VOICE }, action.say);
      response.hangup();
      break;
  }
  return response.toString();
}

export function sayAndHangUp(text: string): string {
  const response = new VoiceResponse();
  response.say({ voice: VOICE }, text);
  response.hangup();
  return response.toString();
}

export const EMPTY_TWIML = new VoiceResponse().toString();

/**
 * The answer when the call's workflow has not answered within the webhook deadline (Temporal slow or
 * unreachable, the database restarting): a short apology, then Twilio asks again at `retryUrl`, where the
 * same Update id finds the answer if it has come meanwhile.
 */
export function holdAndRetry(text: string, retryUrl: string): string {
  const response = new VoiceResponse();
  response.say({ voice: VOICE }, text);
  response.pause({ length: 1 });
  response.redirect({ method: 'POST' }, retryUrl);
  return response.toString();
}
