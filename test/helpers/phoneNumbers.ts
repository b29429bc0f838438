import { CALL_FROM_CONTEXT, CALL_TO_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import { sealPhone } from '../../src/platform/crypto/phoneNumbers';

/** The number columns of a call row a test inserts itself, stored as the product stores them. */
export async function callNumbers(fields: FieldCipher, orgId: string, from = '+14155550111', to = '+14155550100'): Promise<Record<string, Buffer | null>> {
  return { ...(await sealPhone(fields, orgId, CALL_FROM_CONTEXT, from)), ...(await sealPhone(fields, orgId, CALL_TO_CONTEXT, to)) };
}
