import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, so an admin can filter the Temporal UI by organization and status.
 * Never put personal data (numbers, names, transcripts) in one. Imported by workflows, the client and
 * the dev server / start-up check that registers them.
 */
export const OrgId = defineSearchAttributeKey('OrgId', SearchAttributeType.KEYWORD);
export const KeyRotationStatus = defineSearchAttributeKey('KeyRotationStatus', SearchAttributeType.KEYWORD);

