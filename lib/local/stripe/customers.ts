import type Stripe from 'stripe';
import type { Handler, RequestContext } from './context';
import { invalidRequest, noSuch } from './errors';
import { newId } from './ids';
import { mergeMetadata, nested, optionalString, type Params } from './params';

/** Customers: create, retrieve, update (email, name, description, phone, metadata), delete. */

export const createCustomer: Handler = (context, params) => {
  const customer: Stripe.Customer = {
    id: newId('cus'),
    object: 'customer',
    address: null,
    balance: 0,
    created: context.now,
    currency: null,
    default_source: null,
    delinquent: false,
    description: optionalString(params, 'description') ?? null,
    discount: null,
    email: emailOf(params) ?? null,
    invoice_prefix: newId('x').slice(2, 10).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: mergeMetadata({}, params),
    name: optionalString(params, 'name') ?? null,
    next_invoice_sequence: 1,
    phone: optionalString(params, 'phone') ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
  context.store.put(customer);
  context.emit('customer.created', customer);
  return customer;
};

export const retrieveCustomer: Handler = (context, _params, path) => findCustomer(context, path['id'] ?? '');

export const updateCustomer: Handler = (context, params, path) => {
  const current = liveCustomer(context, path['id'] ?? '');
  const defaults = nested(params, 'invoice_settings');
  const defaultMethod = defaults && optionalString(defaults, 'default_payment_method');
  if (defaultMethod) requireAttached(context, current.id, defaultMethod);
  const updated: Stripe.Customer = {
    ...current,
    email: params['email'] === undefined ? current.email : (emailOf(params) ?? null),
    name: pick(params, 'name', current.name ?? null),
    description: pick(params, 'description', current.description),
    phone: pick(params, 'phone', current.phone ?? null),
    metadata: mergeMetadata(current.metadata, params),
    invoice_settings: {
      ...current.invoice_settings,
      ...(defaults ? { default_payment_method: defaultMethod ?? null } : {}),
    },
  };
  context.store.put(updated);
  context.emit('customer.updated', updated, changedFields(current, updated));
  return updated;
};

export const deleteCustomer: Handler = (context, _params, path) => {
  const current = liveCustomer(context, path['id'] ?? '');
  const deleted = { id: current.id, object: 'customer', deleted: true };
  context.store.put(deleted);
  context.emit('customer.deleted', current);
  return deleted;
};

/** A customer or its deletion marker (`{ id, object, deleted: true }`), as GET answers. */
function findCustomer(context: RequestContext, id: string): Stripe.Customer | Stripe.DeletedCustomer {
  const customer = context.store.get<Stripe.Customer>(id);
  if (!customer || customer.object !== 'customer') throw noSuch('customer', id);
  return customer;
}

/** A customer that exists and is not deleted; `param` names the request field that referenced it. */
export function liveCustomer(context: RequestContext, id: string, param?: string): Stripe.Customer {
  const customer = context.store.get<Stripe.Customer | Stripe.DeletedCustomer>(id);
  if (!customer || customer.object !== 'customer' || customer.deleted) throw noSuch('customer', id, param);
  return customer;
}

/** Stripe checks the form of an email address (code email_invalid). */
function emailOf(params: Params): string | undefined {
  const email = optionalString(params, 'email');
  if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw invalidRequest(`Invalid email address: ${email}`, 'email_invalid', 'email');
  }
  return email;
}

/** A customer's default payment method must exist and be attached to that customer. */
function requireAttached(context: RequestContext, customer: string, methodId: string): void {
  const param = 'invoice_settings[default_payment_method]';
  const method = context.store.get<Stripe.PaymentMethod>(methodId);
  if (!method || method.object !== 'payment_method') throw noSuch('PaymentMethod', methodId, param);
  if (method.customer !== customer) {
    throw invalidRequest(
      `The customer does not have a payment method with the ID ${methodId}. The payment method must be attached to the customer.`,
      'resource_missing',
      param,
    );
  }
}

/** A param that is present replaces the field; '' clears it (Stripe's unset). */
function pick(params: Params, name: string, current: string | null): string | null {
  if (params[name] === undefined) return current;
  return optionalString(params, name) ?? null;
}

/** Stripe's `previous_attributes`: the old values of the top-level fields that changed. */
export function changedFields<T extends object>(before: T, after: T): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof T & string)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key];
  }
  return previous;
}
