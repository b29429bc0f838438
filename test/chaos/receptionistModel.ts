import type { ChatRequest, FakeReply } from '../fakes/openai';

/**
 * The chaos run's stand-in for the model: it reads the conversation the agent sends and answers as a
 * receptionist would, calling the same tools with the caller's words, so every booking, cancellation,
 * message and transfer goes through the real tool path. Callers speak a fixed phrasing (callers.ts)
 * that this understands; tool results are read back with the facts callers need (slot times, "Booked").
 */
export const PHRASES = {
  availability: (service: string, from: string, to: string) => `Is there a free time for ${service} between ${from} and ${to}?`,
  book: (service: string, start: string, name: string, phone: string) => `Please book ${service} at ${start} for ${name}, my number is ${phone}.`,
  cancel: (start: string, phone: string) => `Please cancel my appointment at ${start}, my number is ${phone}.`,
  message: (name: string, text: string) => `Please take a message from ${name}: ${text}`,
  transfer: 'Can I speak to a person, please?',
  goodbye: "That's all, goodbye.",
} as const;

/** What the model says after each tool, parsed back by the callers. */
export const SAYS = {
  slots: 'Free times:',
  booked: 'Booked:',
  notBooked: 'Sorry, that time could not be booked.',
  cancelled: 'Cancelled.',
  notCancelled: 'There is no such appointment.',
  messageTaken: 'I have passed your message on.',
} as const;

const ISO = '(\\d{4}-\\d{2}-\\d{2}T[0-9:.]+(?:Z|[+-]\\d{2}:\\d{2}))';
const ASK = [
  { re: new RegExp(`^Is there a free time for (.+) between ${ISO} and ${ISO}\\?$`), tool: 'check_availability', args: (m: string[]) => ({ service: m[1], from: m[2], to: m[3] }) },
  { re: new RegExp(`^Please book (.+) at ${ISO} for (.+), my number is (\\+\\d+)\\.$`), tool: 'book_appointment', args: (m: string[]) => ({ service: m[1], start: m[2], customer_name: m[3], customer_phone: m[4] }) },
  { re: new RegExp(`^Please cancel my appointment at ${ISO}, my number is (\\+\\d+)\\.$`), tool: 'cancel_appointment', args: (m: string[]) => ({ start: m[1], customer_phone: m[2] }) },
  { re: /^Please take a message from ([^:]+): (.+)$/, tool: 'take_message', args: (m: string[]) => ({ caller_name: m[1], message: m[2] }) },
  { re: /^Can I speak to a person/, tool: 'transfer_to_human', args: () => ({ reason: 'the caller asked' }) },
  { re: /goodbye\.$/, tool: 'end_call', args: () => ({}) },
] as const;

export function receptionistReply(request: ChatRequest): FakeReply {
  const last = request.messages.at(-1);
  if (last?.role === 'tool') return afterTool(request, last);
  const said = (last?.content ?? '').trim();
  for (const ask of ASK) {
    const match = ask.re.exec(said);
    if (match) return { toolCalls: [{ name: ask.tool, arguments: ask.args([...match]) }] };
  }
  return { content: 'We are open every day from eight to eight. What else can I do for you?' };
}

function afterTool(request: ChatRequest, last: ChatRequest['messages'][number]): FakeReply {
  const call = request.messages
    .flatMap((m) => (m.tool_calls ?? []) as Array<{ id: string; function: { name: string } }>)
    .find((c) => c.id === last.tool_call_id);
  const result = JSON.parse(last.content ?? '{}') as { ok?: boolean; slots?: Array<{ start: string }>; start?: string };
  switch (call?.function.name) {
    case 'check_availability':
      return { content: result.ok && result.slots?.length ? `${SAYS.slots} ${result.slots.map((s) => s.start).join(', ')}.` : 'Nothing is free then.' };
    case 'book_appointment':
      return { content: result.ok ? `${SAYS.booked} ${result.start}.` : SAYS.notBooked };
    case 'cancel_appointment':
      return { content: result.ok ? SAYS.cancelled : SAYS.notCancelled };
    case 'take_message':
      return { content: result.ok ? SAYS.messageTaken : 'I could not take that message.' };
    case 'transfer_to_human':
      return { content: 'Connecting you now.' };
    case 'end_call':
      return { content: 'Thank you for calling. Goodbye!' };
    default:
      return { content: 'How else can I help?' };
  }
}
