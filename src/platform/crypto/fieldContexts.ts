/**
 * The encryption context (AAD) of each encrypted column: ciphertext from one column cannot be passed
 * off as another's. The writers (activities) and the readers (the admin API) share these.
 */
export const TRANSCRIPT_CONTEXT = 'transcript_turns.text';
export const MESSAGE_BODY_CONTEXT = 'messages.body';
export const MESSAGE_CALLER_CONTEXT = 'messages.caller_name';
export const CALL_ENTITIES_CONTEXT = 'calls.entities';
export const CALL_SUMMARY_CONTEXT = 'calls.summary';
export const APPOINTMENT_CUSTOMER_CONTEXT = 'appointments.customer_name';
export const PRACTICE_ANALYSIS_CONTEXT = 'practice_analyses.result';
// Phone numbers (src/platform/crypto/phoneNumbers.ts): each column its own encryption context...
export const CALL_FROM_CONTEXT = 'calls.from_e164';
export const CALL_TO_CONTEXT = 'calls.to_e164';
export const MESSAGE_CALLBACK_CONTEXT = 'messages.callback_e164';
export const APPOINTMENT_PHONE_CONTEXT = 'appointments.customer_e164';
/**
 * ...and one blind-index context for them all: a number's index is the same in every column, so one index
 * finds a caller's calls (either direction), messages and appointments (their history, export and erasure).
 * The price: whoever reads the database can tell that two rows of one organization hold the same number, in
 * any of these columns, never which number; another organization's index of it differs.
 */
export const PHONE_INDEX_CONTEXT = 'phone_number';
export const LIMITED_CALLER_CONTEXT = 'processing_limits.caller';
