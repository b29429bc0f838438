import { createHmac, hkdfSync } from 'node:crypto';
import { DecryptionError, open, seal } from './aesGcm';
import type { Keyring } from './keyring';

/**
 * Column-level encryption of personal data (transcripts, summaries, message bodies, OAuth tokens).
 * Stored form: format byte (1) | data key version (uint32 BE) | AES-GCM sealed text. The associated
 * data names the organization and the column, so ciphertext moved anywhere else will not decrypt.
 */
const FORMAT = 1;
const HEADER_BYTES = 5;

export class FieldCipher {
  constructor(private readonly keyring: Keyring) {}

  async encrypt(orgId: string, context: string, plaintext: string): Promise<Buffer> {
    const { version, key } = await this.keyring.activeKey(orgId);
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(FORMAT, 0);
    header.writeUInt32BE(version, 1);
    return Buffer.concat([header, seal(key, Buffer.from(plaintext, 'utf8'), aad(orgId, context))]);
  }

  async decrypt(orgId: string, context: string, stored: Buffer): Promise<string> {
    if (stored.length <= HEADER_BYTES || stored.readUInt8(0) !== FORMAT) throw new DecryptionError('not a Callgenly ciphertext');
    const key = await this.keyring.keyVersion(orgId, stored.readUInt32BE(1));
    return open(key, stored.subarray(HEADER_BYTES), aad(orgId, context)).toString('utf8');
  }

  /**
   * A keyed blind index of a value (HMAC-SHA256), so an encrypted column can still be looked up by equality
   * (an incoming caller's number, a caller's erasure). The index key is derived from the organization's first
   * data key, which never rotates away: the index stays stable while data keys rotate, differs between
   * organizations (no cross-tenant correlation), and is gone when the organization's keys are destroyed.
   * Callers normalize the value first (E.164, lower-cased email): the index matches bytes, not meaning.
   */
  async blindIndex(orgId: string, context: string, value: string): Promise<Buffer> {
    const indexKey = Buffer.from(hkdfSync('sha256', await this.keyring.keyVersion(orgId, 1), Buffer.alloc(0), `blind-index|${orgId}|${context}`, 32));
    return createHmac('sha256', indexKey).update(value, 'utf8').digest();
  }
}

function aad(orgId: string, context: string): string {
  return `field|${orgId}|${context}`;
}
