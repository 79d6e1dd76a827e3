import type Stripe from 'stripe';
import { listOf, type Handler } from './context';
import { invalidRequest, noSuch } from './errors';
import { newId } from './ids';
import { optionalString, pageOf, stringList } from './params';
import type { EventFilter, Store, StoredObject } from './store';

/**
 * `evt_…` objects: one per state change, stored with the request that caused it, listed newest
 * first, and queued for webhook delivery when an endpoint listening for that type exists.
 */
export interface EventSource {
  readonly type: string;
  readonly object: StoredObject;
  readonly previousAttributes?: Record<string, unknown>;
  readonly created: number;
  readonly apiVersion: string;
  /** null for changes no API request made (a customer finishing 3-D Secure). */
  readonly request: { id: string | null; idempotency_key: string | null } | null;
}

/** Stores the event and, when `deliver` says so, a pending webhook delivery due now. */
export function recordEvent(store: Store, source: EventSource, deliver: boolean): Stripe.Event {
  const previous = source.previousAttributes;
  const event = {
    id: newId('evt'),
    object: 'event',
    api_version: source.apiVersion,
    created: source.created,
    data: {
      object: source.object,
      ...(previous && Object.keys(previous).length > 0 ? { previous_attributes: previous } : {}),
    },
    livemode: false,
    pending_webhooks: deliver ? 1 : 0,
    request: source.request,
    type: source.type,
  } as Stripe.Event;
  store.putEvent(event);
  if (deliver) store.addDelivery(event.id, Date.now());
  return event;
}

export const retrieveEvent: Handler = (context, _params, path) => {
  const id = path['id'] ?? '';
  const event = context.store.getEvent<Stripe.Event>(id);
  if (!event) throw noSuch('event', id);
  return event;
};

/**
 * `GET /v1/events?type=&types[]=&limit=&starting_after=`: `type` is one event type or a group with
 * `*` as a wildcard (`charge.*`), `types` up to 20 exact types, as Stripe filters them.
 */
export const listEvents: Handler = (context, params) => {
  const type = optionalString(params, 'type');
  const types = stringList(params, 'types');
  if (type && types.length > 0) throw invalidRequest('You may only specify one of these parameters: type, types.', undefined, 'types');
  if (types.length > 20) throw invalidRequest('You may specify at most 20 types.', undefined, 'types');
  const filter: EventFilter = type ? { pattern: type } : types.length > 0 ? { types } : {};
  return listOf('/v1/events', context.store.listEvents(filter, pageOf(params)));
};

/** Whether an endpoint subscribed to `patterns` ('*', 'payment_intent.*', exact types) wants `type`. */
export function subscribed(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))));
}
