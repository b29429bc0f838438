import { TRANSCRIPT_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import type { Db } from '../../src/platform/db/knex';
import { withTenant } from '../../src/platform/db/tenancy';

export interface TranscriptLines {
  orgId: string;
  callId: string;
  /** `at`: when the line was said (absent in lines from calls started before it was recorded). */
  turns: Array<{ seq: number; role: string; text: string; at?: string; startMs?: number; endMs?: number }>;
}

/** Encrypts and stores transcript lines; a line already stored (same seq) is left as it is. */
export async function storeTranscriptLines(deps: { db: Db; fields: FieldCipher }, input: TranscriptLines): Promise<void> {
  const rows = await Promise.all(
    input.turns.map(async (t) => ({
      org_id: input.orgId,
      call_id: input.callId,
      seq: t.seq,
      role: t.role,
      text_ciphertext: await deps.fields.encrypt(input.orgId, TRANSCRIPT_CONTEXT, t.text),
      ...(t.at ? { created_at: new Date(t.at) } : {}),
      ...(t.startMs !== undefined ? { start_ms: t.startMs } : {}),
      ...(t.endMs !== undefined ? { end_ms: t.endMs } : {}),
    })),
  );
  await withTenant(deps.db, input.orgId, (trx) => trx('transcript_turns').insert(rows).onConflict(['org_id', 'call_id', 'seq']).ignore());
}
