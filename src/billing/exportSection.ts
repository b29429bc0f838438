import type { ExportContext, ExportSection } from '../platform/registration';

/** The organization's billing records and its usage and balance ledgers. */
export const billingExport: ExportSection = {
  scopes: ['organization'],
  async build({ db, orgId }: ExportContext) {
    return {
      json: {
        'billing_records.json': await db('billing_records').where({ org_id: orgId }).orderBy('period_start'),
        'usage_records.json': await db('usage_records').where({ org_id: orgId }).orderBy('created_at').select('call_sid', 'billable_seconds', 'occurred_at', 'reported_at'),
        'balance_ledger.json': await db('balance_ledger').where({ org_id: orgId }).orderBy('id').select('kind', 'amount_minor', 'currency', 'created_at'),
      },
    };
  },
};
