import {
  addressInputSchema,
  addressSchema,
  COUNTRY_CODES,
  isTestPaymentMethodToken,
  listQuerySchema,
  profileInputSchema,
} from '../../functions/domain/customer';

const valid = { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };

describe('address schema', () => {
  it('accepts the contract shape and normalises the country to upper case', () => {
    const parsed = addressSchema.parse({ ...valid, country: 'gb', line2: 'Flat 2', region: 'Greater London' });
    expect(parsed).toEqual({ ...valid, line2: 'Flat 2', region: 'Greater London' });
  });

  it.each(['XX', 'UK', 'EU', 'USA', 'U', ''])('refuses %p as a country', (country) => {
    expect(addressSchema.safeParse({ ...valid, country }).success).toBe(false);
  });

  it('knows exactly the 249 assigned ISO 3166-1 alpha-2 codes', () => {
    expect(COUNTRY_CODES.size).toBe(249);
    for (const code of ['US', 'DE', 'JP', 'BR', 'ZA', 'AX', 'SS']) expect(COUNTRY_CODES.has(code)).toBe(true);
  });

  it.each(['name', 'line1', 'city', 'postalCode', 'country'])('requires %s', (field) => {
    const { [field as keyof typeof valid]: _omitted, ...rest } = valid;
    expect(addressSchema.safeParse(rest).success).toBe(false);
  });

  it('refuses blank lines, overlong lines, control characters and unknown fields', () => {
    expect(addressSchema.safeParse({ ...valid, line1: '   ' }).success).toBe(false);
    expect(addressSchema.safeParse({ ...valid, city: 'x'.repeat(101) }).success).toBe(false);
    expect(addressSchema.safeParse({ ...valid, name: 'Ada\u0000' }).success).toBe(false);
    expect(addressSchema.safeParse({ ...valid, zip: '12345' }).success).toBe(false);
  });

  it('splits the default flag from the address and ignores echoed read-only fields', () => {
    const parsed = addressInputSchema.parse({ ...valid, isDefault: true, id: 'adr_1', createdAt: 'x', updatedAt: 'y' });
    expect(parsed).toEqual({ address: valid, isDefault: true });
    expect(addressInputSchema.parse(valid)).toEqual({ address: valid, isDefault: undefined });
  });
});

describe('profile schema', () => {
  it('normalises email and phone', () => {
    const parsed = profileInputSchema.parse({ email: 'Ada@Example.COM', name: ' Ada ', phone: '+44 (20) 7946-0018' });
    expect(parsed).toEqual({ email: 'ada@example.com', name: 'Ada', phone: '+442079460018' });
  });

  it('treats omitted and null fields as cleared', () => {
    expect(profileInputSchema.parse({ name: null })).toEqual({ email: undefined, name: undefined, phone: undefined });
  });

  it('refuses an invalid email, a local phone number and unknown fields', () => {
    expect(profileInputSchema.safeParse({ email: 'not-an-email' }).success).toBe(false);
    expect(profileInputSchema.safeParse({ phone: '555-0100' }).success).toBe(false);
    expect(profileInputSchema.safeParse({ nickname: 'ada' }).success).toBe(false);
  });
});

describe('list query and payment method tokens', () => {
  it('defaults and bounds the page size', () => {
    expect(listQuerySchema.parse({})).toEqual({ limit: 20 });
    expect(listQuerySchema.parse({ limit: '5' }).limit).toBe(5);
    expect(listQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
    expect(listQuerySchema.safeParse({ limit: '101' }).success).toBe(false);
  });

  it('recognises Stripe test tokens but not stored payment methods', () => {
    expect(isTestPaymentMethodToken('pm_card_visa')).toBe(true);
    expect(isTestPaymentMethodToken('pm_card_chargeDeclined')).toBe(true);
    expect(isTestPaymentMethodToken('pm_1Nv0abcDEF')).toBe(false);
  });
});
