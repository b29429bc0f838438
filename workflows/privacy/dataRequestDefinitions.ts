import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
/**
 * Data-subject requests' workflow inputs and ids, shared by the workflows and the API (which never imports
 * workflow code). Each request is a `data_requests` row; its workflow does the work.
 */
export interface DataExportInput {
  requestId: string;
  orgId: string;
  /** How long the download link lives (and the archive is kept). */
  linkTtlMs: number;
}

export interface CallerErasureInput {
  requestId: string;
  orgId: string;
}

export const dataExportWorkflowId = (requestId: string) => `export:${requestId}`;
export const callerErasureWorkflowId = (requestId: string) => `caller-erasure:${requestId}`;

/** Search attribute: ExportStatus, filterable in the Temporal UI (never personal data). */
export const ExportStatus = defineSearchAttributeKey('ExportStatus', SearchAttributeType.KEYWORD);
