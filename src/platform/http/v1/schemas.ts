import { z } from 'zod';
import { ROLES, STAFF_ROLES } from '../../../accounts/auth/roles';
import type { Page } from '../../db/pagination';
import { toE164 } from '../../phone';
import { ApiError } from '../errors';

/** Schemas several route files share. Each `.meta({ id })` becomes a named component in the OpenAPI document. */

/** Which product an organization runs: the AI receptionist, or the English-conversation coach. */
export const Product = z.enum(['receptionist', 'coach']).meta({ description: 'receptionist (answers the business\'s calls) or coach (calls learners for English practice)' });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'invalid_request' }),
      message: z.string(),
      field: z.string().optional().meta({ description: 'For validation errors: the path of the offending field' }),
    }),
  })
  .meta({ id: 'Error' });

export const Role = z.enum(ROLES).meta({ id: 'Role' });
/** The roles staff are invited to and given (learners sign themselves up to a coaching organization). */
export const StaffRole = z.enum(STAFF_ROLES).meta({ id: 'StaffRole' });

export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: 'must be an email address' }))
  .transform((e) => e.toLowerCase());

/** A phone number in any common format (US when it has no country code), stored as E.164. */
export const PhoneNumber = z
  .string()
  .trim()
  .max(40)
  .transform((n, ctx) => toE164(n, 'US') ?? (ctx.addIssue({ code: 'custom', message: 'is not a valid phone number' }), z.NEVER));

export const Timestamp = z.iso.datetime().meta({ description: 'ISO 8601, UTC' });

/** An opaque id of the given type, e.g. `key_01j…`; anything else cannot exist, so it is a 404. */
export const idOf = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`));

export const PageQuery = z.object({
  cursor: z.string().max(200).optional().meta({ description: 'nextCursor from the previous page' }),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      data: z.array(item),
      nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last page' }),
    })
    .meta({ id });
}

/** A repository page as the API answers it, each row turned into its API shape. */
export async function pageBody<Row, Item>(page: Page<Row>, toApi: (row: Row) => Item | Promise<Item>): Promise<{ data: Item[]; nextCursor: string | null }> {
  return { data: await Promise.all(page.items.map(toApi)), nextCursor: page.nextCursor };
}

/** `from` before `to`, both within 20 years of now: a query over a date range that can mean something. */
export function inDateRange<T extends z.ZodType<{ from?: string; to?: string }>>(schema: T) {
  return schema
    .refine((r) => !r.from || !r.to || new Date(r.from) < new Date(r.to), { message: 'must be after from', path: ['to'] })
    .refine((r) => [r.from, r.to].every((d) => !d || Math.abs(new Date(d).getFullYear() - new Date().getFullYear()) <= 20), {
      message: 'is out of range',
      path: ['from'],
    });
}

export const iso = (d: Date | string | null | undefined): string | null => (d == null ? null : new Date(d).toISOString());

/**
 * The request's `Idempotency-Key` header (1–200 printable characters), or undefined when it has none;
 * anything else is a 400 naming the header.
 */
export function idempotencyKeyOf(req: { get(name: string): string | undefined }): string | undefined {
  const key = req.get('idempotency-key');
  if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) throw new ApiError(400, 'invalid_request', 'Idempotency-Key: must be 1–200 printable characters', 'Idempotency-Key');
  return key;
}
