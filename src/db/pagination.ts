import type { Knex } from 'knex';

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  nextCursor: string | null;
}

/**
 * Keyset pagination on one unique, time-ordered column (our ULID ids, the audit log's serial id), newest
 * first. Rows inserted while paging never shift or repeat a page, unlike offsets.
 */
export async function paginate<T extends Record<string, unknown>>(
  query: Knex.QueryBuilder,
  {
    column,
    key = column.split('.').pop()!,
    cursor,
    limit,
    pattern = /^[a-z]+_[0-9a-z]{26}$/,
  }: { column: string; key?: string; cursor?: string; limit: number; pattern?: RegExp },
): Promise<Page<T>> {
  if (cursor !== undefined) query.where(column, '<', decodeCursor(cursor, pattern));
  const rows: T[] = await query.orderBy(column, 'desc').limit(limit + 1);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(String(last[key])) : null };
}

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

function encodeCursor(value: string): string {
  return Buffer.from(`v1:${value}`).toString('base64url');
}

function decodeCursor(cursor: string, pattern: RegExp): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const value = decoded.slice(3);
  if (!decoded.startsWith('v1:') || !pattern.test(value)) throw new InvalidCursorError('cursor is not one this API returned');
  return value;
}
