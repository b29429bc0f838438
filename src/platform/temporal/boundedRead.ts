import type { Client } from '@temporalio/client';
import { withinDeadline } from '../http/deadline';

/**
 * A read of a workflow (a query) that a page waits on: its answer within `ms`, or DeadlineExceeded. Our own
 * timer ends the wait: with no worker polling, the client's gRPC deadline alone let a 3 s query take 6–9 s
 * (measured). The RPC's deadline is a second later, so it ends by itself after ours.
 */
export function readWithin<T>(client: Client, ms: number, read: () => Promise<T>): Promise<T> {
  return withinDeadline(client.withDeadline(Date.now() + ms + 1_000, read), ms, () => undefined);
}
