/**
 * What became of one attempt to call a learner, from either engine. Vapi's `endedReason` is an open set of
 * some 600 strings that grows: matched exactly, then by prefix, with a default; the raw string is kept.
 */
export type AttemptOutcome = 'completed' | 'busy' | 'no_answer' | 'voicemail' | 'failed';

const EXACT: Record<string, AttemptOutcome> = {
  'customer-busy': 'busy',
  'customer-did-not-answer': 'no_answer',
  voicemail: 'voicemail',
  'customer-ended-call': 'completed',
  'assistant-ended-call': 'completed',
  'assistant-said-end-call-phrase': 'completed',
  'assistant-ended-call-after-message-spoken': 'completed',
  'exceeded-max-duration': 'completed',
  'silence-timed-out': 'completed',
};

const PREFIXES: Array<[string, AttemptOutcome]> = [
  ['call.in-progress.error-providerfault-outbound-sip-480', 'no_answer'],
  ['call.in-progress.error-providerfault-outbound-sip-408', 'no_answer'],
  ['call.in-progress.error-providerfault-outbound-sip-486', 'busy'],
];

/** Vapi's ended reason as an attempt outcome; anything unrecognised is a failure (kept raw beside it). */
export function outcomeOfVapiReason(reason: string | undefined): AttemptOutcome {
  if (!reason) return 'failed';
  return EXACT[reason] ?? PREFIXES.find(([prefix]) => reason.startsWith(prefix))?.[1] ?? 'failed';
}

/** Twilio's final call status (and the answering-machine result) as an attempt outcome. */
export function outcomeOfTwilioStatus(status: string, answeredBy?: string): AttemptOutcome {
  if (answeredBy && /^(machine|fax)/.test(answeredBy)) return 'voicemail';
  switch (status) {
    case 'completed':
      return 'completed';
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no_answer';
    default:
      return 'failed';
  }
}

/** Outcomes a plan retries (the learner may pick up later); the others are final. */
export const RETRIED_OUTCOMES: readonly AttemptOutcome[] = ['busy', 'no_answer', 'voicemail'];
