/** An amount in minor units (cents) in its currency, as the browser's locale writes it. */
export const money = (m: { amountMinor: number; currency: string }) => new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency }).format(m.amountMinor / 100);

/** The ledger's kinds of entry, as people say them. */
export const LEDGER_KIND: Record<string, string> = { top_up: 'Top-up', call_debit: 'Call', refund: 'Refund', adjustment: 'Adjustment', carried_forward: 'Carried forward' };
