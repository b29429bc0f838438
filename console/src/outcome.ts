import { useState } from 'react';
import { problem } from './api/client';

/**
 * How the last change on a page went, said where the person looks: a notice when it was done, or the API's
 * own reason when it was not (one replaces the other).
 */
export function useOutcome(initialNotice?: string) {
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string | undefined>(initialNotice);
  /** Says `done` when `ok`, else the API's reason from `failed`; returns `ok`. */
  function say(ok: boolean, done: string, failed?: unknown): boolean {
    setError(ok ? undefined : problem(failed));
    setNotice(ok ? done : undefined);
    return ok;
  }
  /** Awaits an API call, says how it went, and reads again (`reload`) what it may have changed. */
  async function act(result: Promise<{ error?: unknown; response: Response }>, done: string, reload?: () => void): Promise<boolean> {
    const { error: failed, response } = await result;
    reload?.();
    return say(response.ok, done, failed);
  }
  return { error, notice, setError, say, act };
}
