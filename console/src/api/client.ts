import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

/**
 * The console's only way to the API: `/api/v1` on the same origin with the session cookie, typed by the
 * schema generated from the API's OpenAPI document. State-changing requests carry the session's CSRF token.
 */
let csrfToken: string | undefined;
export const setCsrfToken = (token: string | undefined) => void (csrfToken = token);

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== 'GET' && csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '/api/v1', credentials: 'same-origin' });
api.use(csrf);

/** The API's error answer, `{ error: { code, message, field? } }`, as one readable sentence. */
export function problem(error: unknown, fallback = 'Something went wrong; please try again.'): string {
  const e = (error as { error?: { message?: string; field?: string } } | undefined)?.error;
  return e?.message ?? fallback;
}

/** Throws the API's readable message when a call failed; returns its data otherwise. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) throw new Error(problem(result.error, `The server answered ${result.response.status}.`));
  return result.data;
}
