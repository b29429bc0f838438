import type { CefrLevel } from './repositories/learners';

/**
 * The coach, as configuration both voice engines use: who it is talking to, about what, at which level,
 * how it corrects, and how the call opens and closes. The engine that speaks it is not the coach's own:
 * Vapi receives these as an assistant; the built-in Twilio engine runs them on the receptionist's agent loop.
 */
export interface CoachPersona {
  organizationName: string;
  learnerName: string;
  level: CefrLevel | null;
  nativeLanguage: string;
  goals: string;
  topic: { title: string; prompts: string[]; targetWords: string[] } | null;
  correctionStyle: 'gentle' | 'direct';
  speakingSpeed: 'slow' | 'normal' | 'fast';
  voice: string;
  /** The call's length as planned (or as the balance pays for, if less). */
  minutes: number;
  /** Words due for review (spaced repetition) and kinds of mistake that keep coming back (absent in calls planned before they existed). */
  reviewWords?: string[];
  recurringMistakes?: Array<{ category: string; rule: string }>;
}

/** Said by the coach when the learner asks not to be called again; the engines end the call on it. */
export const OPT_OUT_GOODBYE = "Understood. I won't call you again, and your practice calls are paused. Goodbye!";

/** The learner's words that withdraw consent at once, before any model is asked. */
export const STOP_CALLING_SOURCE = "\\b(stop|quit|don'?t|do not|never)\\b.{0,20}\\b(call|calling|ring|phon(e|ing))\\b.{0,10}\\b(me|us)\\b|\\bremove me from\\b.{0,30}\\blist\\b|\\bunsubscribe\\b";
const STOP_CALLING = new RegExp(STOP_CALLING_SOURCE, 'i');
export const wantsNoMoreCalls = (text: string): boolean => STOP_CALLING.test(text);

const firstName = (name: string) => name.trim().split(/\s+/)[0] || 'there';

const LEVEL_GUIDE: Record<CefrLevel, string> = {
  A1: 'very short, simple sentences and the most common words; speak slowly and repeat when needed',
  A2: 'short sentences about everyday things; common words; check understanding often',
  B1: 'clear everyday English; some idioms explained when used; encourage longer answers',
  B2: 'natural English at a moderate pace; ask for opinions and reasons',
  C1: 'natural, idiomatic English; challenge the learner with nuance and follow-up questions',
  C2: 'fully natural English, as with a fluent colleague; discuss abstract and complex ideas',
};

export function coachSystemPrompt(p: CoachPersona): string {
  const level = p.level ? `The learner's level is about ${p.level} (CEFR): use ${LEVEL_GUIDE[p.level]}.` : 'The learner has not said their level: start simple and adapt to how they speak.';
  const corrections =
    p.correctionStyle === 'direct'
      ? 'When the learner makes a mistake, correct it right away in one short sentence ("We say X, not Y"), then carry on.'
      : 'When the learner makes a mistake, do not interrupt: repeat their idea back correctly in your reply (a recast), and only point out a mistake that keeps coming back.';
  const topic = p.topic
    ? [`Today's topic: ${p.topic.title}.`, `Conversation starters you may use:\n${p.topic.prompts.map((q) => `- ${q}`).join('\n')}`, p.topic.targetWords.length ? `Words to weave in naturally: ${p.topic.targetWords.join(', ')}.` : '']
    : ['No topic was chosen: ask what the learner would like to talk about.'];
  return [
    `You are an English conversation coach at ${p.organizationName}, on a phone call with ${firstName(p.learnerName)}, whose native language is ${p.nativeLanguage}. This is a spoken conversation: answer in one to three short sentences, no lists, no markdown, and end most turns with a question that gets the learner talking.`,
    level,
    corrections,
    `Speak at a ${p.speakingSpeed} pace.`,
    p.goals ? `The learner's goals: ${p.goals}` : '',
    ...topic,
    p.reviewWords?.length ? `Words the learner is reviewing: ${p.reviewWords.join(', ')}. Bring each into the conversation naturally and give the learner a chance to use it.` : '',
    p.recurringMistakes?.length ? `Mistakes that keep coming back:\n${p.recurringMistakes.map((m) => `- ${m.category}: ${m.rule}`).join('\n')}\nSteer the conversation so the learner practises these, and correct them when they come up.` : '',
    `The call lasts ${p.minutes} minutes. When you are told a minute is left, start wrapping up; at the end, thank the learner, name one thing they did well and one to practise, and say goodbye.`,
    `If the learner asks you to stop calling them, say exactly: "${OPT_OUT_GOODBYE}" and nothing else.`,
    'Keep the learner speaking more than you. Never switch to another language except to explain one word briefly.',
  ]
    .filter(Boolean)
    .join('\n\n');
}

export const coachFirstMessage = (p: CoachPersona): string =>
  `Hi ${firstName(p.learnerName)}, it's your English coach from ${p.organizationName}! ${p.topic ? `Today let's talk about ${p.topic.title}.` : 'What would you like to talk about today?'} How are you?`;

export const COACH_UNAVAILABLE = "I'm sorry, your coach can't continue right now. You won't be charged for this call, and we'll talk next time. Goodbye!";
export const COACH_ONE_MINUTE_LEFT = 'We have about one minute left, so let us start wrapping up.';
export const coachTimeUp = (p: CoachPersona): string => `That's our time for today. Great work, ${firstName(p.learnerName)}! Talk to you next time. Goodbye!`;
