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
export const LIMITED_CALLER_CONTEXT = 'processing_limits.caller';
