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
  return new ApiError(500, 'internal', 'Something went wrong on our side');
}
