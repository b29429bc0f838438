import bcrypt from 'bcrypt';
import { z } from 'zod';

// A short list of the most common long passwords; length and variety rules catch the rest.
const COMMON = new Set([
  'password1234', 'password12345', 'password123456', '123456789012', '1234567890123', 'qwertyuiop12', 'qwertyuiop123',
  'iloveyou1234', 'letmein12345', 'welcome12345', 'administrator', 'passwordpassword', 'changeme1234', 'abcdefghijkl',
  '111111111111', '000000000000', 'qwerty123456', '1q2w3e4r5t6y', 'trustno11234', 'football1234',
]);

/** The password policy: 12+ characters, at most 72 bytes (bcrypt ignores the rest), not trivially guessable. */
export const passwordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .refine((p) => Buffer.byteLength(p, 'utf8') <= 72, 'must be at most 72 bytes')
  .refine((p) => new Set(p).size >= 5, 'must use at least 5 different characters')
  .refine((p) => !COMMON.has(p.toLowerCase()), 'is too common');

/** The rule that needs the email too: a password must not contain the address's local part. */
export function passwordMentionsEmail(password: string, email: string): boolean {
  const local = email.split('@')[0]!.toLowerCase();
  return local.length >= 4 && password.toLowerCase().includes(local);
}

export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

// Compared against when the account does not exist, so an unknown email costs as long as a wrong password.
const UNKNOWN_USER_HASH = bcrypt.hashSync('callgenly-no-such-user', 12);

export function verifyPassword(password: string, hash: string | null | undefined): Promise<boolean> {
  return bcrypt.compare(password, hash ?? UNKNOWN_USER_HASH).then((ok) => ok && Boolean(hash));
}
