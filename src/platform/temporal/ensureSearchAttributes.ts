import { status } from '@grpc/grpc-js';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../../../workflows/platform/searchAttributes';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/**
 * Registers the custom search attributes the workflows set, through the operator service, at start-up:
 * a missing one would otherwise fail the first workflow that upserts it. A managed namespace (Temporal
 * Cloud) refuses this call; then we only say which attributes the operator must add.
 */
export async function ensureSearchAttributes(client: Client, namespace: string, warn: (msg: string) => void): Promise<void> {
  const { operatorService } = client.connection;
  let existing: Set<string>;
  try {
    const listed = await operatorService.listSearchAttributes({ namespace });
    existing = new Set(Object.keys(listed.customAttributes ?? {}));
  } catch (err) {
    warn(`Could not list search attributes (${(err as Error).message}); make sure these exist as Keyword: ${names().join(', ')}`);
    return;
  }
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !existing.has(k.name));
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

function names(): string[] {
  return ALL_SEARCH_ATTRIBUTES.map((k) => k.name);
}
