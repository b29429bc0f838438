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

/**
 * Keyset pagination newest first on (time, id), for tables whose ids do not sort by time (message ids
 * are made in workflow code from a random UUID) or whose meaningful time is not creation (a call's start).
 * The cursor keeps the time in whole microseconds, PostgreSQL's precision: milliseconds would skip rows.
 */
export async function paginateByTime<T extends Record<string, unknown>>(
  query: Knex.QueryBuilder,
  { timeColumn, idColumn, cursor, limit }: { timeColumn: string; idColumn: string; cursor?: string; limit: number },
): Promise<Page<T>> {
  query.select(query.client.raw('(extract(epoch from ??) * 1000000)::bigint as cursor_us', [timeColumn]));
  if (cursor !== undefined) {
    const [micros, id] = decodeCursor(cursor, /^\d{1,17}\|[a-z]+_[0-9a-z]{20,40}$/).split('|') as [string, string];
    query.whereRaw(`(??, ??) < (timestamptz 'epoch' + ?::bigint * interval '1 microsecond', ?)`, [timeColumn, idColumn, micros, id]);
  }
  const rows: Array<T & { cursor_us: string }> = await query
    .orderBy([{ column: timeColumn, order: 'desc' }, { column: idColumn, order: 'desc' }])
    .limit(limit + 1);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor(`${last.cursor_us}|${String(last[idColumn.split('.').pop()!])}`) : null,
  };
}
