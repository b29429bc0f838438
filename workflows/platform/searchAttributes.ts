import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, so an admin can filter the Temporal UI by organization and status.
 * Never put personal data (numbers, names, transcripts) in one. Imported by workflows, the client and
 * the dev server / start-up check that registers them.
 */
export const OrgId = defineSearchAttributeKey('OrgId', SearchAttributeType.KEYWORD);
export const CallStatus = defineSearchAttributeKey('CallStatus', SearchAttributeType.KEYWORD);
export const BookingStatus = defineSearchAttributeKey('BookingStatus', SearchAttributeType.KEYWORD);
export const BillingStatus = defineSearchAttributeKey('BillingStatus', SearchAttributeType.KEYWORD);
export const SweepStatus = defineSearchAttributeKey('SweepStatus', SearchAttributeType.KEYWORD);
export const DeletionStatus = defineSearchAttributeKey('DeletionStatus', SearchAttributeType.KEYWORD);
export const ExportStatus = defineSearchAttributeKey('ExportStatus', SearchAttributeType.KEYWORD);
export const KeyRotationStatus = defineSearchAttributeKey('KeyRotationStatus', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [
  OrgId,
  CallStatus,
  BookingStatus,
  BillingStatus,
  SweepStatus,
  DeletionStatus,
  ExportStatus,
  KeyRotationStatus,
];
