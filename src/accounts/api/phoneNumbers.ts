import type { CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import { phoneNumbersRepository, PhoneNumberTakenError, type PhoneNumberRow } from '../repositories/phoneNumbers';
import { withTenant } from '../../platform/db/tenancy';
import { toE164 } from '../../platform/phone';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { idOf, iso, pageBody, pageOf, PageQuery, Timestamp } from '../../platform/http/v1/schemas';

const PhoneNumber = z.object({ id: z.string(), number: z.string().meta({ description: 'E.164' }), label: z.string(), createdAt: Timestamp }).meta({ id: 'PhoneNumber' });
const toApi = (p: PhoneNumberRow): z.input<typeof PhoneNumber> => ({ id: p.id, number: p.e164, label: p.label, createdAt: iso(p.created_at)! });

export const phoneNumberRoutes = [
  defineRoute({
    method: 'get',
    path: '/phone-numbers',
    operationId: 'listPhoneNumbers',
    summary: 'The numbers whose calls this organization answers',
    tag: 'Phone numbers',
    access: 'member',
    query: PageQuery,
    response: { schema: pageOf(PhoneNumber, 'PhoneNumberPage'), description: 'A page of phone numbers' },
    handle: ({ auth, deps, query }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const page = await phoneNumbersRepository(trx).list(query);
        return pageBody(page, toApi);
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/phone-numbers',
    operationId: 'addPhoneNumber',
    summary: 'Add a Twilio number; calls to it are answered for this organization',
    tag: 'Phone numbers',
    access: 'admin',
    body: z.object({
      number: z.string().trim().min(3).max(40).meta({ description: 'E.164, or a national format with `country`' }),
      country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code').default('US'),
      label: z.string().trim().max(100).default(''),
    }),
    response: { status: 201, schema: PhoneNumber, description: 'The number, normalized to E.164' },
    errors: [409],
    async handle({ auth, body, deps, req }) {
      const e164 = toE164(body.number, body.country as CountryCode);
      if (!e164) throw new ApiError(400, 'invalid_request', 'number: is not a valid phone number', 'number');
      return withTenant(deps.db, auth.orgId, async (trx) => {
        try {
          const row = await phoneNumbersRepository(trx).add(auth.orgId, e164, body.label);
          await audit(trx, req, auth, { action: 'phone_number.added', targetType: 'phone_number', targetId: row.id });
          return toApi(row);
        } catch (err) {
          // Whose number it is stays private: another organization's, or already this one's.
          if (err instanceof PhoneNumberTakenError) throw new ApiError(409, 'phone_number_taken', 'This number is already in use');
          throw err;
        }
      });
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/phone-numbers/{phoneNumberId}',
    operationId: 'removePhoneNumber',
    summary: 'Remove a number; calls to it are no longer answered',
    tag: 'Phone numbers',
    access: 'admin',
    params: z.object({ phoneNumberId: idOf('pn') }),
    errors: [404],
    handle: ({ auth, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const removed = await phoneNumbersRepository(trx).remove(params.phoneNumberId);
        if (!removed) throw new ApiError(404, 'not_found', 'No such phone number');
        await audit(trx, req, auth, { action: 'phone_number.removed', targetType: 'phone_number', targetId: removed.id });
      }),
  }),
];
