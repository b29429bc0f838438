import type { Browser } from './api';
import { VAPI_SECRET, type CoachStack } from './coachStack';

/** A learner's side of a job-interview conversation: over 75 words, with tense mistakes to quote. */
export const LEARNER_TURNS = [
  'Yesterday I go to the interview for the marketing job in a big company near my house.',
  'The manager asked me about my experience and I told him that I work five years in a small agency.',
  'I was very nervous at the beginning but after some minutes I felt more relaxed and confident.',
  'He asked me why I want to change my job and I said I am looking for new challenges and responsibility.',
  'I think the interview went well, but I am not sure about the salary they offer me.',
  'Next week they will call me to tell me the decision, so now I have to wait patiently.',
];
export const words = LEARNER_TURNS.join(' ').split(/\s+/).length;

/** The conversation as Vapi reports it: the coach prompts, the learner answers at ~130 words a minute. */
export function conversation(turns: string[]) {
  const lines: Array<{ role: 'bot' | 'user'; text: string; at: number; seconds: number }> = [];
  let at = 0;
  for (const turn of turns) {
    lines.push({ role: 'bot', text: 'Tell me more about that.', at, seconds: 2 });
    at += 3;
    const seconds = Math.round(turn.split(/\s+/).length / 2.2);
    lines.push({ role: 'user', text: turn, at, seconds });
    at += seconds + 1;
  }
  return lines;
}

/** A valid `record_assessment` input for LEARNER_TURNS. */
export const VALID = {
  feedback: { summary: 'You told a clear story about your interview.', strengths: ['Clear sequence of events'], toPractise: ['Past simple of irregular verbs'] },
  grammar: {
    clauses: 14,
    mistakes: [
      { quote: 'Yesterday I go to the interview', correction: 'Yesterday I went to the interview', rule: 'Finished past events take the past simple.', category: 'past simple' },
      { quote: 'I work five years in a small agency', correction: 'I have worked for five years in a small agency', rule: 'Use the present perfect with "for" for a period up to now.', category: 'present perfect' },
    ],
  },
  vocabulary: { newWords: ['challenges', 'patiently'], misused: [] },
  cefr: { band: 'B1', evidence: ['I am looking for new challenges and responsibility'], explanation: 'Connected narrative on a familiar topic with frequent tense errors.' },
};

/** A practice call held through Vapi with these learner turns, reported, and its analysis finished; its id. */
export async function heldPracticeCall(stack: CoachStack, browser: Browser, planId: string, turns: string[], options: { timings?: boolean; recording?: boolean } = {}): Promise<string> {
  const workflowId = (await browser.post(`/api/v1/plans/${planId}/call-now`)).body.workflowId as string;
  await stack.until(workflowId, ['in_progress']);
  const call = stack.vapi.calls.at(-1)!;
  stack.vapi.end(call.id, { endedReason: 'customer-ended-call', lines: conversation(turns), recording: options.recording });
  if (options.timings === false) for (const m of call.artifact!.messages!) (delete m.time, delete m.endTime);
  await stack.vapi.send(stack.vapiEventsUrl, VAPI_SECRET, 'end-of-call-report', call);
  await stack.outcome(workflowId);
  const pc = await stack.services.db('practice_calls').where({ workflow_id: workflowId }).first();
  await stack.services.temporal.workflow.getHandle(`practice-analysis:${pc.id}`).result();
  return pc.id as string;
}
