import { createHash } from 'node:crypto';
import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import type { Db } from './knex';

/**
 * express-rate-limit's store in PostgreSQL, so every API replica counts against the same fixed windows.
 * Keys (IPs, emails) are stored as hashes: the table never holds who tried.
 */
export class PostgresRateLimitStore implements Store {
  private windowMs = 60_000;
  readonly localKeys = false;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const { rows } = await this.db.raw(
      `insert into rate_limit_hits (key, hits, reset_at) values (?, 1, now() + make_interval(secs => ?))
       on conflict (key) do update set
         hits = case when rate_limit_hits.reset_at <= now() then 1 else rate_limit_hits.hits + 1 end,
         reset_at = case when rate_limit_hits.reset_at <= now() then excluded.reset_at else rate_limit_hits.reset_at end
       returning hits, reset_at`,
      [this.hash(key), this.windowMs / 1000],
    );
    // Expired windows are only overwritten lazily; now and then sweep the ones nobody came back for.
    if (Math.random() < 0.01) void this.db('rate_limit_hits').where('reset_at', '<', this.db.raw(`now() - interval '1 day'`)).delete().catch(() => {});
    return { totalHits: rows[0].hits, resetTime: rows[0].reset_at };
  }

  async decrement(key: string): Promise<void> {
    await this.db('rate_limit_hits').where({ key: this.hash(key) }).where('hits', '>', 0).decrement('hits', 1);
  }

  async resetKey(key: string): Promise<void> {
    await this.db('rate_limit_hits').where({ key: this.hash(key) }).delete();
  }

  private hash(key: string): string {
    return createHash('sha256').update(`${this.prefix}:${key}`).digest('base64url');
  }
}
