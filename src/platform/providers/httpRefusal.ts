/**
 * A provider's 4xx answer that retrying cannot change (a bad key, a bad request, a refused number). 408
 * (the request timed out) and 429 (too many requests) are worth another try, as are 5xx.
 */
export function refusedForGood(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
