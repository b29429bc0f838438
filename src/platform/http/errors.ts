import type { ErrorRequestHandler, RequestHandler } from 'express';

/** An error the API answers as `{ "error": { "code", "message" } }` with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For validation errors: the offending field's path, e.g. `businessHours.mon.0.open`. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `No route for ${req.method} ${req.path}`));
};

/** Last in the chain: known failures keep their status; anything else is a 500 without internals. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = toApiError(err);
  if (known.status >= 500) req.log?.error({ err }, 'request failed');
  if (known.status === 401) res.set('WWW-Authenticate', 'Bearer realm="callgenly"');
  res.status(known.status).json({ error: { code: known.code, message: known.message, ...(known.field ? { field: known.field } : {}) } });
};

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  // body-parser's errors carry a `type` and a status.
  const type = (err as { type?: string }).type;
  if (type === 'entity.parse.failed') return new ApiError(400, 'invalid_json', 'The request body is not valid JSON');
  if (type === 'entity.too.large') return new ApiError(413, 'payload_too_large', 'The request body is too large');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new ApiError(415, 'unsupported_encoding', 'The request body encoding is not supported');
  }
  // The payment provider unreachable, refusing our key or rate-limiting us: not the caller's fault, and not a crash.
  if (type === 'StripeConnectionError' || type === 'StripeAPIError' || type === 'StripeAuthenticationError' || type === 'StripePermissionError' || type === 'StripeRateLimitError') {
    return new ApiError(503, 'payments_unavailable', 'Payments are not available right now; try again shortly');
  }
  // The router's undecodable path parameter (`%E0%A4%A`) is a URIError it marks 400.
  if (err instanceof URIError) return new ApiError(400, 'invalid_path', 'The request path is not valid percent-encoding');
  // Any other client error the HTTP layer raised (a corrupt gzip/deflate/br body, an aborted upload).
  const status = (err as { status?: unknown; expose?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: unknown }).expose !== false) {
    return new ApiError(status, 'bad_request', 'The request could not be read');
  }
  return fromDatabaseError(err) ?? new ApiError(500, 'internal', 'Something went wrong on our side');
}

/**
 * PostgreSQL's refusals that are the request's fault, never ours: a value it cannot store (class 22:
 * a NUL byte, a malformed number or date) is 400, and losing a race for a unique value is 409. Validation
 * at the edge catches these first; this keeps anything it misses from becoming a 500.
 */
function fromDatabaseError(err: unknown): ApiError | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (code.startsWith('22')) return new ApiError(400, 'invalid_request', 'A value in the request cannot be stored');
  if (code === '23505') return new ApiError(409, 'conflict', 'That conflicts with something that already exists');
  return undefined;
}
