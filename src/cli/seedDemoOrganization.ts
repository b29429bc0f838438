import { hashPassword } from '../accounts/auth/passwords';
import type { Keyring } from '../platform/crypto/keyring';
import { newId } from '../platform/db/ids';
import type { Db } from '../platform/db/knex';
import { organizationsRepository, type OrganizationRow } from '../accounts/repositories/organizations';
import { withTenant } from '../platform/db/tenancy';
import { createOrganization } from '../accounts/createOrganization';

/** 555-01xx numbers are reserved for fiction: they reach no one. */
export const DEMO_PHONE_NUMBER = '+14155550100';

/** Who signs in to the console as the demo clinic's owner. */
export const DEMO_OWNER = { email: 'owner@clinic.callgenly.dev', password: 'brush twice a day', name: 'Dr. Amy Lee' };

/**
 * The demo organization `npm run dev` starts with: a dental clinic in San Francisco with two bookable
 * services and an owner who can sign in to the console. Created once (the owner too, on data from before).
 */
export async function seedDemoOrganization(db: Db, keyring: Keyring, bcryptCost: number): Promise<{ org: OrganizationRow; created: boolean }> {
  const existing = await organizationsRepository(db).findByPhoneNumber(DEMO_PHONE_NUMBER);
  const demo = existing ? { org: existing, created: false } : { org: await createDemoClinic(db, keyring), created: true };
  if (!(await db('users').where({ email: DEMO_OWNER.email }).first('id'))) {
    const userId = newId('usr');
    await db('users').insert({ id: userId, email: DEMO_OWNER.email, name: DEMO_OWNER.name, password_hash: await hashPassword(DEMO_OWNER.password, bcryptCost), email_verified_at: db.fn.now() });
    await db('memberships').insert({ org_id: demo.org.id, user_id: userId, role: 'owner' });
  }
  return demo;
}

async function createDemoClinic(db: Db, keyring: Keyring): Promise<OrganizationRow> {
  const org = await createOrganization(db, keyring, {
    name: 'Bright Smile Dental',
    timeZone: 'America/Los_Angeles',
    phoneNumbers: [DEMO_PHONE_NUMBER],
    transferE164: '+14155550123',
    greeting: 'Thank you for calling Bright Smile Dental. How can I help you today?',
    agentInstructions:
      'You are the friendly receptionist of Bright Smile Dental. Keep answers short. Offer to book, move or cancel appointments, and take a message when you cannot help.',
    businessHours: {
      mon: [{ open: '08:00', close: '17:00' }],
      tue: [{ open: '08:00', close: '17:00' }],
      wed: [{ open: '08:00', close: '17:00' }],
      thu: [{ open: '08:00', close: '19:00' }],
      fri: [{ open: '08:00', close: '14:00' }],
    },
    faq: [
      { question: 'Where are you?', answer: '500 Market Street, Suite 210, San Francisco. Parking is in the building garage.' },
      { question: 'Do you take insurance?', answer: 'We accept most PPO dental plans, including Delta Dental, Cigna and MetLife.' },
      { question: 'What does a cleaning cost without insurance?', answer: 'A cleaning and check-up is $140 without insurance.' },
      { question: 'Do you see children?', answer: 'Yes, from age three.' },
    ],
  });
  await withTenant(db, org.id, (trx) =>
    trx('services').insert([
      { id: newId('svc'), org_id: org.id, name: 'Cleaning and check-up', duration_minutes: 60, buffer_after_minutes: 10, price_note: '$140 without insurance' },
      { id: newId('svc'), org_id: org.id, name: 'Whitening', duration_minutes: 90, buffer_after_minutes: 15, price_note: 'from $350' },
    ]),
  );
  return org;
}
