import { Client } from 'pg';
import type { Logger } from '../logger';

/** The channel the organizations table's trigger announces policy changes on (migration 000017). */
export const PAYLOAD_POLICY_CHANNEL = 'callgenly_payload_policy';

export interface PolicyListener {
  /** An organization's payload policy changed: forget what was cached for it. */
  changed(orgId: string): void;
  /** Announcements may have been missed (not connected yet, or the connection dropped): trust no cache. */
  inDoubt(inDoubt: boolean): void;
}

/**
 * Listens on its own PostgreSQL connection (LISTEN cannot share a pooled one) and reconnects with back-off.
 * While it is not listening, the listener is told it is in doubt, and the codec re-reads the policy instead
 * of trusting its cache.
 */
export class PayloadPolicyWatch {
  private client?: Client;
  private closed = false;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly databaseUrl: string,
    private readonly listener: PolicyListener,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.listener.inDoubt(true);
    await this.connect(250);
  }

  private async connect(delayMs: number): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.databaseUrl });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.listener.inDoubt(true);
      client.removeAllListeners();
      client.end().catch(() => undefined);
      if (this.closed) return;
      this.logger.warn({ err: err?.message }, 'payload policy announcements lost; re-reading policies until reconnected');
      this.retryTimer = setTimeout(() => void this.connect(Math.min(delayMs * 2, 10_000)), delayMs);
      this.retryTimer.unref();
    };
    client.on('notification', (message) => {
      if (message.channel === PAYLOAD_POLICY_CHANNEL && message.payload) this.listener.changed(message.payload);
    });
    client.on('error', lost);
    client.on('end', () => lost());
    this.client = client;
    try {
      await client.connect();
      await client.query(`listen ${PAYLOAD_POLICY_CHANNEL}`);
      if (this.client === client && !this.closed) this.listener.inDoubt(false);
    } catch (err) {
      lost(err as Error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    this.listener.inDoubt(true);
    await client?.end().catch(() => undefined);
  }
}
