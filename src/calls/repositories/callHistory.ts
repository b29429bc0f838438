import type { Tx } from '../../platform/db/knex';
import { paginateByTime, type Page } from '../../platform/db/pagination';
import { phoneIn, type PhoneMatch } from '../../platform/crypto/phoneNumbers';

export interface CallRow {
  id: string;
  call_sid: string;
  direction: string;
  /** The numbers: see openPhone (src/platform/crypto/phoneNumbers.ts). */
  from_e164: string | null;
  from_e164_ciphertext: Buffer | null;
  to_e164: string | null;
  to_e164_ciphertext: Buffer | null;
  status: string;
  outcome: string | null;
  intents: string[];
  entities_ciphertext: Buffer | null;
  summary_ciphertext: Buffer | null;
  recording_enabled: boolean;
  started_at: Date;
  ended_at: Date | null;
  duration_seconds: number | null;
  billable_seconds: number | null;
  legal_hold: boolean;
  trial: boolean;
}

export interface MessageRow {
  id: string;
  call_id: string | null;
  caller_name_ciphertext: Buffer | null;
  callback_e164: string | null;
  callback_e164_ciphertext: Buffer | null;
  body_ciphertext: Buffer;
  status: string;
  created_at: Date;
}

export interface CallFilters {
  status?: string;
  outcome?: string;
  /** Matches the caller's or the called number. */
  number?: PhoneMatch;
  /** One of the intents the analysis found in the call. */
  intent?: string;
  from?: Date;
  to?: Date;
}

/** What the receptionist did, read by admins inside `withTenant`; ciphertext columns are decrypted by the caller. */
export function callHistoryRepository(trx: Tx) {
  return {
    listCalls(filters: CallFilters, page: { cursor?: string; limit: number }): Promise<Page<CallRow & Record<string, unknown>>> {
      const q = trx('calls').select('*');
      if (filters.status) q.where({ status: filters.status });
      if (filters.outcome) q.where({ outcome: filters.outcome });
      if (filters.number) q.where(phoneIn(filters.number, 'from_e164', 'to_e164'));
      if (filters.intent) q.whereRaw('? = any(intents)', [filters.intent]);
      if (filters.from) q.where('started_at', '>=', filters.from);
      if (filters.to) q.where('started_at', '<', filters.to);
      return paginateByTime(q, { timeColumn: 'started_at', idColumn: 'id', ...page });
    },

    findCall(id: string): Promise<CallRow | undefined> {
      return trx<CallRow>('calls').where({ id }).first();
    },

    transcript(callId: string): Promise<Array<{ seq: number; role: string; text_ciphertext: Buffer; created_at: Date; start_ms: number | null; end_ms: number | null }>> {
      return trx('transcript_turns').where({ call_id: callId }).orderBy('seq').select('seq', 'role', 'text_ciphertext', 'created_at', 'start_ms', 'end_ms');
    },

    recordings(callId: string): Promise<Array<{ id: string; recording_sid: string; status: string; duration_seconds: number | null; created_at: Date; deleted_at: Date | null }>> {
      return trx('recordings').where({ call_id: callId }).orderBy('created_at').select('id', 'recording_sid', 'status', 'duration_seconds', 'created_at', 'deleted_at');
    },

    messagesOfCall(callId: string): Promise<MessageRow[]> {
      return trx<MessageRow>('messages').where({ call_id: callId }).orderBy('id');
    },

    listMessages(filters: { status?: string }, page: { cursor?: string; limit: number }): Promise<Page<MessageRow & Record<string, unknown>>> {
      const q = trx('messages').select('*');
      if (filters.status) q.where({ status: filters.status });
      return paginateByTime(q, { timeColumn: 'created_at', idColumn: 'id', ...page });
    },

    markMessageRead(id: string): Promise<number> {
      return trx('messages').where({ id }).update({ status: 'read' });
    },
  };
}
