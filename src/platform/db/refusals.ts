/**
 * PostgreSQL refusals that retrying cannot mend: a value it cannot store (class 22: a NUL byte, a malformed
 * number or date), a NOT NULL or CHECK violation. Unique and foreign-key violations are left retryable: an
 * idempotent write that lost a race finds the winner's row on its next attempt.
 */
const PERMANENT_SQLSTATE = /^(22[0-9A-Z]{3}|23502|23514)$/;

/** The SQLSTATE of a permanent refusal, or undefined for anything else (worth trying again). */
export function permanentRefusal(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && PERMANENT_SQLSTATE.test(code) ? code : undefined;
}
