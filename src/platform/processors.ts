import type { Processor } from './registration';

/** Processors more than one domain sends data to, described once (the registry joins their uses). */
export const TWILIO: Processor = { name: 'Twilio', role: 'the phone line: calls and text messages', data: ['phone numbers', 'call audio and recordings', 'speech recognised on calls', 'text messages'], location: 'United States' };

export const llmProvider = (role: string, data: string[]): Processor => ({ name: 'LLM provider (OPENAI_BASE_URL)', role, data, location: 'where the configured endpoint runs', when: 'OPENAI_API_KEY is set' });
