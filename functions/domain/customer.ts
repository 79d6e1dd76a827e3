/**
 * Customers: the profile and the address book, as plain schemas and types (no AWS, no Stripe).
 * The zod schemas are the single source for request validation, the stored shapes and the
 * response types of the /me routes.
 */
import { createHash } from 'node:crypto';
import * as z from '../shared/zod';
import type { profileSchema, savedAddressSchema, savedCardSchema } from '../contract/customers';
import { AppError } from './errors';
import { singleLine } from './text';

/** ISO 3166-1 alpha-2: the 249 officially assigned codes (no reserved or user-assigned ones). */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
   BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
   EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
   HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
   LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
   NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
   SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
   TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`.split(/\s+/),
);

/** Country as ISO 3166-1 alpha-2; lower case is accepted and stored upper case. */
export const countryCode = z
  .string()
  .check(z.trim(), z.toUpperCase(), z.refine((code) => COUNTRY_CODES.has(code), 'Must be an ISO 3166-1 alpha-2 country code, e.g. "US"'));

/** The contract's address shape. Unknown fields are refused so that a typo (`zip`) is not lost. */
export const addressSchema = z.strictObject({
  name: singleLine(200),
  line1: singleLine(200),
  line2: z.optional(singleLine(200)),
  city: singleLine(100),
  region: z.optional(singleLine(100)),
  postalCode: singleLine(20),
  country: countryCode,
});
export type Address = z.output<typeof addressSchema>;

/** Fields a client may echo back from a read; accepted on writes and ignored. */
const readOnly = { id: z.optional(z.unknown()), createdAt: z.optional(z.unknown()), updatedAt: z.optional(z.unknown()) };

/** POST /me/addresses and PUT /me/addresses/{id}: the address plus an optional default flag. */
const addressInputFields = z.extend(addressSchema, { isDefault: z.optional(z.boolean()), ...readOnly });
export const addressInputSchema = z.pipe(
  addressInputFields,
  z.transform(({ id: _id, createdAt: _c, updatedAt: _u, isDefault, ...address }: z.output<typeof addressInputFields>) => ({ address, isDefault })),
);
export type AddressInput = z.output<typeof addressInputSchema>;

/** An address of the book as the API returns it (functions/contract/customers.ts). */
export type SavedAddress = z.output<typeof savedAddressSchema>;

/** Phone numbers are stored in E.164; spaces, dots, dashes and parentheses are accepted on input. */
export const phoneNumber = z.pipe(
  z.pipe(
    z.string().check(z.trim()),
    z.transform((raw: string) => raw.replace(/[\s.()-]/g, '')),
  ),
  z.string().check(z.regex(/^\+[1-9]\d{6,14}$/, 'Must be an international number, e.g. "+14155550123"')),
);

/**
 * PUT /me: replaces the editable profile. An omitted or null field is cleared, as PUT replaces;
 * the read-only fields of a GET may be sent back unchanged and are ignored.
 */
const profileInputFields = z.strictObject({
  email: z.nullish(z.email('Must be an email address').check(z.maxLength(254), z.toLowerCase())),
  name: z.nullish(singleLine(200)),
  phone: z.nullish(phoneNumber),
  ...readOnly,
});
export const profileInputSchema = z.pipe(
  profileInputFields,
  z.transform(({ email, name, phone }: z.output<typeof profileInputFields>) => ({
    email: email ?? undefined,
    name: name ?? undefined,
    phone: phone ?? undefined,
  })),
);
export type ProfileInput = z.output<typeof profileInputSchema>;

/** The profile as the API returns it (functions/contract/customers.ts). */
export type Profile = z.output<typeof profileSchema>;

/** A saved card as the API returns it (never the full number: Stripe keeps that). */
export type SavedCard = z.output<typeof savedCardSchema>;

/** Path parameter ids: anything unknown (or someone else's) is a 404, so only bound the size. */
export const resourceId = z.string().check(z.minLength(1), z.maxLength(128));

/** `?limit=&cursor=` of the list routes. */
export const listQuerySchema = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
});

/**
 * Stripe's test payment method tokens (`pm_card_visa`, `pm_card_chargeDeclined` …): they name a
 * test card rather than a stored one, so they belong to nobody and pass ownership checks.
 */
export const isTestPaymentMethodToken = (id: string) => /^pm_card_[A-Za-z0-9_]+$/.test(id);

/** A Stripe payment method id (`pm_…`) or test token, as checkout and card saving take it. */
export const paymentMethodIdSchema = z
  .string()
  .check(z.trim(), z.maxLength(255), z.regex(/^pm_[A-Za-z0-9_]+$/, 'Must be a Stripe payment method id (pm_…)'));

/**
 * POST /me/payment-methods: the card to save, a `pm_…` made by Stripe.js or a test token such as
 * `pm_card_visa`; `returnUrl` is where a card that needs 3-D Secure sends the customer back.
 */
export const savePaymentMethodSchema = z.strictObject({
  paymentMethodId: paymentMethodIdSchema,
  returnUrl: z.optional(z.url({ protocol: /^https?$/ }).check(z.maxLength(2048))),
});

/**
 * The key a card save carries to Stripe: derived from the caller and their Idempotency-Key, so
 * a retried save finds the first SetupIntent, and two customers' equal keys never meet.
 */
export const setupIdempotencyKey = (customerId: string, requestKey: string) =>
  createHash('sha256').update(`${customerId}\n${requestKey}`).digest('base64url');

/** The issuer declined the card being saved (402, as Stripe answers a card error). */
export class CardDeclined extends AppError {
  constructor(message: string, declineCode: string | undefined) {
    super('CARD_DECLINED', 402, message, declineCode ? [{ declineCode }] : []);
  }
}
