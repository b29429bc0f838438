import { z } from 'zod';
import type { ChatCompletionTool } from '../../platform/providers/llm';

/**
 * The agent's tools: names, descriptions and argument schemas (zod, turned into the JSON Schema the model
 * sees). The README documents them from this file. Arguments from the model are validated with the same
 * schemas; invalid ones go back to the model as an error.
 */
const isoDateTime = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time with offset, e.g. 2026-12-01T09:30:00-08:00');

export const toolSchemas = {
  check_availability: z.object({
    service: z.string().min(1).describe('the service asked for, e.g. "cleaning"'),
    from: isoDateTime.describe('start of the window to search'),
    to: isoDateTime.describe('end of the window to search'),
  }),
  book_appointment: z.object({
    service: z.string().min(1),
    start: isoDateTime.describe('start of a slot returned by check_availability'),
    customer_name: z.string().min(1),
    customer_phone: z.string().min(5).describe('callback number, any format'),
  }),
  cancel_appointment: z.object({
    customer_phone: z.string().min(5),
    start: isoDateTime.describe('start of the appointment to cancel'),
  }),
  reschedule_appointment: z.object({
    customer_phone: z.string().min(5),
    start: isoDateTime.describe('start of the existing appointment'),
    new_start: isoDateTime.describe('start of a slot returned by check_availability'),
  }),
  take_message: z.object({
    caller_name: z.string().min(1),
    callback_number: z.string().min(5).optional().describe("omit to use the number the caller is calling from"),
    message: z.string().min(1),
  }),
  transfer_to_human: z.object({ reason: z.string().optional() }),
  end_call: z.object({ reason: z.string().optional() }),
  stop_calling_me: z.object({ words: z.string().optional().describe("the caller's words") }),
} as const;

export type ToolName = keyof typeof toolSchemas;

const descriptions: Record<ToolName, string> = {
  check_availability: 'Find free appointment slots for a service in a time window.',
  book_appointment: 'Book an appointment in a slot that check_availability offered.',
  cancel_appointment: "Cancel the caller's appointment.",
  reschedule_appointment: "Move the caller's appointment to another offered slot.",
  take_message: 'Record a message for the business, who will call back.',
  transfer_to_human: 'Transfer the call to a person at the business.',
  end_call: 'End the call after saying goodbye.',
  stop_calling_me: 'The person asks not to be called again: withdraws their consent, pauses their calls and ends this one.',
};

const toolSet = (names: ToolName[]): ChatCompletionTool[] => names.map((name) => ({
  type: 'function',
  function: {
    name,
    description: descriptions[name],
    parameters: z.toJSONSchema(toolSchemas[name], { target: 'draft-7' }) as Record<string, unknown>,
  },
}));

/** The receptionist's tools. */
export const agentTools = toolSet(['check_availability', 'book_appointment', 'cancel_appointment', 'reschedule_appointment', 'take_message', 'transfer_to_human', 'end_call']);
/** Each persona's tools (CallStart.persona.tools). */
export const personaTools: Record<'coach', ChatCompletionTool[]> = { coach: toolSet(['end_call', 'stop_calling_me']) };
