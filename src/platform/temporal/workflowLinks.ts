import { z } from 'zod';
import type { Config } from '../config';

/** Where a workflow opens in the Temporal Web UI (TEMPORAL_UI_URL), or null when no UI is configured. */
export function workflowUrl(temporal: Pick<Config['temporal'], 'uiUrl' | 'namespace'>, workflowId: string): string | null {
  if (!temporal.uiUrl) return null;
  return `${temporal.uiUrl}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export const WorkflowUrl = z.string().nullable().meta({ description: "Its durable workflow in the Temporal Web UI (TEMPORAL_UI_URL); null when none is configured" });
