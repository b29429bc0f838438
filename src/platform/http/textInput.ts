import type { RequestHandler } from 'express';
import { ApiError } from './errors';

/**
 * Text as it arrives from outside, checked at the edge so that nothing half-written reaches PostgreSQL
 * (which refuses a NUL byte in text and a lone surrogate's `\ud800` escape in jsonb) or a log line.
 * Control characters other than tab, line feed and carriage return, and UTF-16 surrogates without their
 * pair (JSON can carry them; no real text has them), are refused in the JSON API and scrubbed from
 * provider webhooks, which must always be answered.
 */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL_ALL = new RegExp(CONTROL.source, 'g');
const LONE_SURROGATE_ALL = new RegExp(LONE_SURROGATE.source, 'g');
/** Deeper than any body the API documents; a walk this deep is someone probing. */
const MAX_DEPTH = 32;

/** Why a string is refused, or undefined when it is fine. */
export function textProblem(value: string): string | undefined {
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(value)) return 'is not valid Unicode text';
  return undefined;
}

/** The same text with control characters dropped, broken surrogates replaced, and cut to `max` characters. */
export function scrubText(value: string, max: number): string {
  const clean = value.replace(CONTROL_ALL, '').replace(LONE_SURROGATE_ALL, '\uFFFD');
  return clean.length > max ? clean.slice(0, max) : clean;
}

/** Throws a 400 naming the first string (value or key) in `value` that is not acceptable text. */
export function assertCleanText(value: unknown, where: string): void {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: item, path, depth } = stack.pop()!;
    if (typeof item === 'string') {
      const problem = textProblem(item);
      if (problem) throw new ApiError(400, 'invalid_text', `${path || where}: ${problem}`, path || where);
      continue;
    }
    if (!item || typeof item !== 'object') continue;
    if (depth >= MAX_DEPTH) throw new ApiError(400, 'invalid_request', `${where}: nested too deeply`, path || where);
    for (const [key, child] of Object.entries(item)) {
      const childPath = path ? `${path}.${key}` : key;
      const problem = textProblem(key);
      if (problem) throw new ApiError(400, 'invalid_text', `${where}: a field name ${problem}`, where);
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
}

/** Refuses a JSON request whose body or query holds unacceptable text (path parameters are checked per route). */
export const refuseUnreadableText: RequestHandler = (req, _res, next) => {
  assertCleanText(req.body, 'body');
  assertCleanText(req.query, 'query');
  next();
};
