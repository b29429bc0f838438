import { status } from '@grpc/grpc-js';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { SearchAttributeKey } from '../registration';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/**
 * Registers the custom search attributes the workflows set, through the operator service, at start-up:
 * a missing one would otherwise fail the first workflow that upserts it. A managed namespace (Temporal
 * Cloud) refuses this call; then we only say which attributes the operator must add.
 */
export async function ensureSearchAttributes(client: Client, namespace: string, keys: readonly SearchAttributeKey[], warn: (msg: string) => void): Promise<void> {
  const { operatorService } = client.connection;
  let existing: Set<string>;
  try {
    const listed = await operatorService.listSearchAttributes({ namespace });
    existing = new Set(Object.keys(listed.customAttributes ?? {}));
  } catch (err) {
    warn(`Could not list search attributes (${(err as Error).message}); make sure these exist as Keyword: ${keys.map((k) => k.name).join(', ')}`);
    return;
  }
  const missing = keys.filter((k) => !existing.has(k.name));
  if (missing.length === 0) return;
  try {
    await operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, KEYWORD])),
    });
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === status.ALREADY_EXISTS) return;
    warn(`Could not add search attributes ${missing.map((k) => k.name).join(', ')} (${(err as Error).message}): add them as Keyword in the namespace settings.`);
  }
}

