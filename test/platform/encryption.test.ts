import { DecryptionError } from '../../src/platform/crypto/aesGcm';
import { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import { Keyring, KeyUnavailableError } from '../../src/platform/crypto/keyring';
import { generateMasterKeySpec, parseMasterKeySpec } from '../../src/platform/crypto/masterKeys';
import { dataKeysRepository } from '../../src/platform/crypto/dataKeysRepository';
import type { Services } from '../../src/services';
import { makeOrganization } from '../helpers/organizations';
import { testServices } from '../helpers/stack';

let services: Services;
beforeAll(async () => {
  services = await testServices();
});
afterAll(() => services.close());

const CONTEXT = 'transcript_turns.text';

test('round trip, and the stored form is not the plaintext', async () => {
  const org = await makeOrganization(services);
  const text = 'My name is Ada Lovelace and my number is 415 555 0111';
  const sealed = await services.fields.encrypt(org.id, CONTEXT, text);
  expect(sealed.toString('utf8')).not.toContain('Ada');
  expect(sealed.toString('latin1')).not.toContain('555');
  expect(await services.fields.decrypt(org.id, CONTEXT, sealed)).toBe(text);
  // A fresh nonce per message: the same text never encrypts to the same bytes.
  expect((await services.fields.encrypt(org.id, CONTEXT, text)).equals(sealed)).toBe(false);
});

test('tampering with any byte is detected', async () => {
  const org = await makeOrganization(services);
  const sealed = await services.fields.encrypt(org.id, CONTEXT, 'cancel my appointment');
  for (const index of [5, 10, 25, sealed.length - 1]) {
    const tampered = Buffer.from(sealed);
    tampered[index] = tampered[index]! ^ 0x01;
    await expect(services.fields.decrypt(org.id, CONTEXT, tampered)).rejects.toThrow(DecryptionError);
  }
  await expect(services.fields.decrypt(org.id, CONTEXT, sealed.subarray(0, 20))).rejects.toThrow(DecryptionError);
});

test("another tenant's key, or another column, cannot decrypt", async () => {
  const a = await makeOrganization(services);
  const b = await makeOrganization(services);
  const sealed = await services.fields.encrypt(a.id, CONTEXT, 'private to A');
  await expect(services.fields.decrypt(b.id, CONTEXT, sealed)).rejects.toThrow(DecryptionError);
  await expect(services.fields.decrypt(a.id, 'messages.body', sealed)).rejects.toThrow(DecryptionError);
});

test('data key rotation: new writes use the new version, old ciphertext still decrypts', async () => {
  const org = await makeOrganization(services);
  const before = await services.fields.encrypt(org.id, CONTEXT, 'written under v1');
  expect(await services.keyring.rotateDataKey(org.id)).toBe(2);
  const after = await services.fields.encrypt(org.id, CONTEXT, 'written under v2');
  expect(before.readUInt32BE(1)).toBe(1);
  expect(after.readUInt32BE(1)).toBe(2);
  expect(await services.fields.decrypt(org.id, CONTEXT, before)).toBe('written under v1');
  expect(await services.fields.decrypt(org.id, CONTEXT, after)).toBe('written under v2');
});

test('master key rotation re-wraps data keys; afterwards the old master key is not needed', async () => {
  const org = await makeOrganization(services);
  await services.keyring.rotateDataKey(org.id);
  const sealed = await services.fields.encrypt(org.id, CONTEXT, 'survives rotation');
  const oldMaster = services.config.masterKeys.current!;
  const newMaster = parseMasterKeySpec(generateMasterKeySpec('next'));
  const repo = dataKeysRepository(services.db);

  const rotating = new Keyring(repo, { current: newMaster, retired: [oldMaster] });
  expect(await rotating.rewrap(org.id)).toBe(2);
  expect(await rotating.rewrap(org.id)).toBe(0); // idempotent
  const rows = await repo.listForOrg(org.id);
  expect(rows.map((r) => r.master_key_id)).toEqual(['next', 'next']);

  const onlyNew = new FieldCipher(new Keyring(repo, { current: newMaster, retired: [] }));
  expect(await onlyNew.decrypt(org.id, CONTEXT, sealed)).toBe('survives rotation');
  const onlyOld = new FieldCipher(new Keyring(repo, { current: oldMaster, retired: [] }));
  await expect(onlyOld.decrypt(org.id, CONTEXT, sealed)).rejects.toThrow(KeyUnavailableError);
});

test('crypto-shredding: once the keys are destroyed, nothing decrypts, from any process', async () => {
  const org = await makeOrganization(services);
  const sealed = await services.fields.encrypt(org.id, CONTEXT, 'to be forgotten');
  // Another process that cached the key before destruction: it re-reads after its cache lifetime.
  const otherProcess = new FieldCipher(new Keyring(dataKeysRepository(services.db), services.config.masterKeys, 0));
  expect(await otherProcess.decrypt(org.id, CONTEXT, sealed)).toBe('to be forgotten');

  expect(await services.keyring.destroy(org.id)).toBe(1);
  await expect(services.fields.decrypt(org.id, CONTEXT, sealed)).rejects.toThrow(KeyUnavailableError);
  await expect(otherProcess.decrypt(org.id, CONTEXT, sealed)).rejects.toThrow(KeyUnavailableError);
  await expect(services.fields.encrypt(org.id, CONTEXT, 'new data')).rejects.toThrow(KeyUnavailableError);
  await expect(services.keyring.rotateDataKey(org.id)).rejects.toThrow(KeyUnavailableError);
  const [row] = await dataKeysRepository(services.db).listForOrg(org.id);
  expect(row!.wrapped_key).toBeNull();
  expect(row!.destroyed_at).toBeInstanceOf(Date);
});

test('a wrapped data key only unwraps for its own organization', async () => {
  const a = await makeOrganization(services);
  const b = await makeOrganization(services);
  const repo = dataKeysRepository(services.db);
  const [keyOfA] = await repo.listForOrg(a.id);
  // Swap A's wrapped key into B's row: the associated data (org, version) no longer matches.
  await services.db('org_data_keys').where({ org_id: b.id, version: 1 }).update({ wrapped_key: keyOfA!.wrapped_key });
  const fresh = new Keyring(repo, services.config.masterKeys);
  await expect(fresh.activeKey(b.id)).rejects.toThrow(DecryptionError);
});

test('blind index: stable for one organization across key rotation, different between organizations, gone with the keys', async () => {
  const [a, b] = [await makeOrganization(services), await makeOrganization(services)];
  const number = '+14155550111';
  const index = await services.fields.blindIndex(a.id, 'calls.from_e164', number);
  expect(index.length).toBe(32);
  expect(index.toString('latin1')).not.toContain('555');
  expect((await services.fields.blindIndex(a.id, 'calls.from_e164', number)).equals(index)).toBe(true);
  expect((await services.fields.blindIndex(a.id, 'calls.from_e164', '+14155550112')).equals(index)).toBe(false);
  expect((await services.fields.blindIndex(a.id, 'messages.callback_e164', number)).equals(index)).toBe(false);
  expect((await services.fields.blindIndex(b.id, 'calls.from_e164', number)).equals(index)).toBe(false);
  await services.keyring.rotateDataKey(a.id);
  expect((await services.fields.blindIndex(a.id, 'calls.from_e164', number)).equals(index)).toBe(true);
  await services.keyring.destroy(a.id);
  await expect(services.fields.blindIndex(a.id, 'calls.from_e164', number)).rejects.toThrow(KeyUnavailableError);
});
