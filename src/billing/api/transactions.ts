import { z } from 'zod';
import { ledgerEntries, type LedgerEntry } from '../learnerBalances';
import type { Tx } from '../../platform/db/knex';
import { withTenant } from '../../platform/db/tenancy';
import { defineRoute } from '../../platform/http/v1/route';
import { iso, Timestamp } from '../../platform/http/v1/schemas';

/** A balance's history (the organization's prepaid balance, or a learner's): the ledger's rows as they are. */
export const Money = z.object({ amountMinor: z.number().int(), currency: z.string() }).meta({ id: 'Money' });
const Transaction = z
  .object({
    id: z.string(),
    kind: z.enum(['top_up', 'call_debit', 'refund', 'adjustment', 'carried_forward']).meta({ description: 'carried_forward: the total of entries purged when their retention ended' }),
    amount: Money,
    practiceCallId: z.string().nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'BalanceTransaction' });
export const TransactionList = z.object({ data: z.array(Transaction), nextBefore: z.string().nullable() }).meta({ id: 'BalanceTransactionList' });
export const LedgerPage = z.object({ before: z.coerce.number().int().positive().optional(), limit: z.coerce.number().int().min(1).max(100).default(50) });

const toTransaction = (e: LedgerEntry): z.input<typeof Transaction> => ({
  id: String(e.id),
  kind: e.kind,
  amount: { amountMinor: Number(e.amount_minor), currency: e.currency.trim() },
  practiceCallId: e.idempotency_key.startsWith('coach-debit:') ? e.idempotency_key.slice('coach-debit:'.length) : null,
  createdAt: iso(e.created_at)!,
});

/** A page of a learner's (or, with null, the organization's own) balance history, newest first. */
export async function transactionsPage(trx: Tx, orgId: string, userId: string | null, page: z.infer<typeof LedgerPage>): Promise<z.input<typeof TransactionList>> {
  const rows = await ledgerEntries(trx, orgId, userId, page);
  return { data: rows.map(toTransaction), nextBefore: rows.length === page.limit ? String(rows.at(-1)!.id) : null };
}

export const transactionRoutes = [
  defineRoute({
    method: 'get',
    path: '/billing/transactions',
    operationId: 'listTransactions',
    summary: "The prepaid balance's history, newest first: top-ups, call debits, refunds",
    tag: 'Billing',
    access: 'admin',
    query: LedgerPage,
    response: { schema: TransactionList, description: 'Transactions' },
    handle: ({ auth, deps, query }) => withTenant(deps.db, auth.orgId, (trx) => transactionsPage(trx, auth.orgId, null, query)),
  }),
];
