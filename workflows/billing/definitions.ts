import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * The billing cycle's messages, shared by the workflow, the activities, the Stripe webhook and the API
 * (which never import workflow code). One workflow per organization, `billing:<orgId>`, one period a run.
 */
export type BillingPlan = 'subscription' | 'prepaid';
export type BillingState = 'active' | 'past_due' | 'suspended' | 'cancelled';

export interface BillingCycleInput {
  orgId: string;
  /** Where this run's period starts (the previous run's end); absent for the first run: now. */
  periodStart?: string;
  /** Carried over from the previous period. */
  status?: BillingState;
  /** When a past-due organization is suspended unless it pays first (ISO). */
  suspendAt?: string;
  /** A plan change asked for in the last moments of the previous period (applied at this one's end). */
  pendingPlan?: BillingPlan;
  /** The period's usage so far, when a long period continues as new before its end. */
  usage?: { calls: number; billableSeconds: number };
}

/** Stripe's word on an invoice, as the webhook re-read it from Stripe (never the event's possibly stale copy). */
export interface PaymentEvent {
  invoiceId: string;
  outcome: 'paid' | 'failed';
  amountMinor: number;
  currency: string;
  invoiceUrl: string | null;
  /** When Stripe will try to collect again (ISO), if it will. */
  nextAttemptAt: string | null;
}

/** A finished call's usage, counted in the period its usage row was written in. */
export interface UsageEvent {
  callSid: string;
  billableSeconds: number;
  /** When the usage row was written (ISO). */
  recordedAt: string;
}

export interface BillingPeriodUsage {
  orgId: string;
  /** Null (like periodEnd) only in the moment the period is being opened. */
  plan: BillingPlan | null;
  status: BillingState;
  periodStart: string;
  periodEnd: string | null;
  calls: number;
  billableSeconds: number;
  pendingPlan: BillingPlan | null;
  suspendAt: string | null;
}

export interface BillingCycleResult {
  status: BillingState;
  periodsClosed: number;
}

export const paymentSignal = defineSignal<[PaymentEvent]>('payment');
/** One call's usage: what calls sent before usage was batched, and prepaid calls still send. */
export const usageSignal = defineSignal<[UsageEvent]>('usage');
/** A usage batch's calls, sent once per batch (Stripe meter event); each is counted as `usage` counts it. */
export const usageBatchSignal = defineSignal<[UsageEvent[]]>('usage-batch');
/** Takes effect when the current period ends: the period is billed under the plan it started on. */
export const planChangeSignal = defineSignal<[{ plan: BillingPlan }]>('plan-change');
/** The organization stops paying: the current period is closed and billed now, and the cycle ends. */
export const cancelBillingSignal = defineSignal<[{ reason: 'requested' | 'subscription_ended' }]>('cancel');
export const periodUsageQuery = defineQuery<BillingPeriodUsage>('period-usage');

export const billingWorkflowId = (orgId: string) => `billing:${orgId}`;

/** Search attribute: BillingStatus, filterable in the Temporal UI (never personal data). */
export const BillingStatus = defineSearchAttributeKey('BillingStatus', SearchAttributeType.KEYWORD);
