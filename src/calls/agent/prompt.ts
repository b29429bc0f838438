import { DateTime } from 'luxon';
import type { BusinessHours, FaqEntry } from '../../accounts/repositories/organizations';

export interface AgentContext {
  name: string;
  timeZone: string;
  instructions: string;
  businessHours: BusinessHours;
  faq: FaqEntry[];
}

const DAYS: Array<[keyof BusinessHours, string]> = [
  ['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday'],
];

/** The system prompt: who the agent works for, what it knows, and the current local time. */
export function systemPrompt(org: AgentContext, now: Date): string {
  const local = DateTime.fromJSDate(now, { zone: org.timeZone });
  const hours = DAYS.map(([key, label]) => {
    const ranges = org.businessHours[key] ?? [];
    return `${label}: ${ranges.length ? ranges.map((r) => `${r.open}-${r.close}`).join(', ') : 'closed'}`;
  }).join('\n');
  const faq = org.faq.map((f) => `Q: ${f.question}\nA: ${f.answer}`).join('\n');
  return [
    `You are the phone receptionist of ${org.name}. You are speaking on the phone: answer in one or two short sentences, no lists, no markdown.`,
    org.instructions,
    `Current local time: ${local.toFormat("cccc d LLLL yyyy, HH:mm")} (${org.timeZone}).`,
    `Business hours (${org.timeZone}):\n${hours}`,
    faq ? `Frequently asked questions:\n${faq}` : '',
    'Use the tools to check availability and book, cancel or reschedule appointments, to take a message, to transfer to a person, or to end the call. Never invent availability or confirm anything a tool did not confirm. If you cannot help, offer to take a message.',
  ]
    .filter(Boolean)
    .join('\n\n');
}
