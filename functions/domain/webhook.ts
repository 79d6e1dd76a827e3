/**
 * Merchant webhooks: the order events an endpoint may subscribe to, the signed delivery format,
 * the retry schedule and the URL rules against SSRF. Pure: node:crypto and node:net only.
 *
 * A delivery is a POST of `{ id, type, createdAt, data: { order } }` with the headers
 * `crowdstart-event-id: <id>` and `crowdstart-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<raw body>" with the endpoint's secret>`: the scheme Stripe uses, so merchants know it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import * as z from '../shared/zod';
import { listQuerySchema, resourceId } from './customer';
import { AppError } from './errors';
import type { OrderStatus, OrderView } from './order';

export const WEBHOOK_EVENT_TYPES = [
  'order.created',
  'order.paid',
  'order.payment_failed',
  'order.fulfilled',
  'order.completed',
  'order.cancelled',
  'order.refunded',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The event an order entering a status raises; REQUIRES_ACTION (waiting for 3-D Secure) raises none. */
const EVENT_OF_STATUS: Readonly<Partial<Record<OrderStatus, WebhookEventType>>> = {
  PENDING: 'order.created',
  PAID: 'order.paid',
  PAYMENT_FAILED: 'order.payment_failed',
  FULFILLED: 'order.fulfilled',
  COMPLETED: 'order.completed',
  CANCELLED: 'order.cancelled',
  REFUNDED: 'order.refunded',
};

export const webhookEventOf = (status: OrderStatus): WebhookEventType | undefined => EVENT_OF_STATUS[status];

/** What is sent: the order as the merchant's admin routes show it, at the version that raised the event. */
export interface WebhookEvent {
  readonly id: string;
  readonly type: WebhookEventType;
  readonly createdAt: string;
  readonly data: { readonly order: OrderView & { readonly customerId: string } };
}

/** The event id of an order's version: one id per status change, however often it is delivered or replayed. */
export const webhookEventId = (orderId: string, version: number) => `evt_${orderId.replace(/^ord_/, '')}_${version}`;

/**
 * The delivery of one event to one endpoint: derived from both, so a redelivered stream record
 * finds the delivery it made before; it starts with the event time so deliveries list newest first.
 */
export function webhookDeliveryId(event: Pick<WebhookEvent, 'id' | 'createdAt'>, endpointId: string): string {
  const time = Date.parse(event.createdAt).toString(36).padStart(9, '0');
  return `dlv_${time}${createHash('sha256').update(`${event.id}\n${endpointId}`).digest('hex').slice(0, 16)}`;
}

export const newWebhookId = () => `whk_${randomBytes(12).toString('hex')}`;
export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

/** The `crowdstart-signature` header for a body sent at `unixSeconds`. */
export function signatureHeader(secret: string, rawBody: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/** How far a signature's timestamp may be from the receiver's clock (the README's advice to merchants). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** True when the header signs this body with this secret, within the tolerance: what a merchant checks. */
export function verifySignature(secret: string, rawBody: string, header: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const parts = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = Buffer.from(parts.get('v1') ?? '', 'hex');
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signatureHeader(secret, rawBody, t).split('v1=')[1]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A 2xx within this long counts as delivered. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** Exponential backoff between attempts: base·2^(n−1), capped. */
export interface RetrySchedule {
  readonly baseSeconds: number;
  readonly maxSeconds: number;
}

/** AWS defaults: 30 s, 1 min, 2 min … then hourly. */
export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = { baseSeconds: 30, maxSeconds: 3600 };
/** How long a failing endpoint is retried before the delivery goes to the DLQ. */
export const RETRY_WINDOW_SECONDS = 24 * 3600;

/** The wait after the `attempt`-th failed attempt (1-based). */
export function retryDelaySeconds(attempt: number, schedule: RetrySchedule): number {
  return Math.min(schedule.maxSeconds, schedule.baseSeconds * 2 ** Math.min(attempt - 1, 30));
}

/** Attempts that fit in the window (the first one included): the queue's maxReceiveCount. */
export function attemptsWithin(windowSeconds: number, schedule: RetrySchedule): number {
  let attempts = 1;
  for (let waited = 0; waited + retryDelaySeconds(attempts, schedule) <= windowSeconds; attempts++) {
    waited += retryDelaySeconds(attempts, schedule);
  }
  return attempts;
}

/**
 * Which endpoint URLs a stage accepts: `public-https` (production): https, and every address the
 * host resolves to is public; `allow-private` (the local stack): http too, and loopback or
 * private addresses, so tests can receive on 127.0.0.1.
 */
export type WebhookUrlPolicy = 'public-https' | 'allow-private';

/** Loopback, private, link-local (cloud metadata), CGNAT, multicast and reserved ranges: never a merchant's endpoint. */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96]] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/** True for an address a webhook must never reach on a production stage. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address); // an IPv4 address in IPv6 clothing
  if (mapped) return NON_PUBLIC.check(mapped[1]!, 'ipv4');
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** 400: the endpoint URL breaks the stage's rules (details name the rule). */
export class WebhookUrlRefused extends AppError {
  constructor(url: string, reason: string) {
    super('WEBHOOK_URL_REFUSED', 400, `The webhook URL ${url} is not allowed: ${reason}.`, [{ field: 'url', reason }]);
  }
}

/** The rules a URL must meet before any DNS lookup: scheme, no credentials, and no literal non-public address. */
export function checkUrlSyntax(raw: string, policy: WebhookUrlPolicy): URL {
  const url = new URL(raw);
  if (policy === 'public-https' && url.protocol !== 'https:') throw new WebhookUrlRefused(raw, 'it must use https');
  if (url.username || url.password) throw new WebhookUrlRefused(raw, 'it must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (policy === 'public-https' && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isNonPublicAddress(host)))) {
    throw new WebhookUrlRefused(raw, 'it must not point at a private, loopback or link-local address');
  }
  return url;
}

/** POST /admin/webhooks. */
export const createWebhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).check(z.maxLength(2048)),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).check(z.minLength(1), z.maxLength(WEBHOOK_EVENT_TYPES.length)),
});
export const webhookParamsSchema = z.object({ id: resourceId });
export const webhookDeliveryParamsSchema = z.object({ id: resourceId, deliveryId: resourceId });
export const webhookListQuerySchema = listQuerySchema;

/** An endpoint as stored; the secret leaves the table only in the POST's answer and in signatures. */
export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly secret: string;
  readonly createdAt: string;
}

/** GET /admin/webhooks shows an endpoint without its secret. */
export const webhookView = ({ id, url, events, createdAt }: WebhookEndpoint) => ({ id, url, events: [...events], createdAt });

export interface DeliveryAttempt {
  readonly at: string;
  /** The endpoint's answer; absent when none came (timeout, refused connection, blocked address). */
  readonly statusCode?: number;
  readonly latencyMs: number;
  readonly error?: string;
  readonly replay?: boolean;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failing';

/** One event's delivery to one endpoint, with every attempt (newest last). */
export interface WebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly type: WebhookEventType;
  readonly status: DeliveryStatus;
  readonly event: WebhookEvent;
  readonly attempts: readonly DeliveryAttempt[];
  readonly createdAt: string;
}

/** GET /admin/webhooks/{id}/deliveries: the delivery without its payload. */
export const deliveryView = ({ id, eventId, type, status, attempts, createdAt }: WebhookDelivery) => ({
  id,
  eventId,
  type,
  status,
  createdAt,
  attempts: attempts.map((a) => ({ ...a })),
});

export const isDelivered = (statusCode: number | undefined) => statusCode !== undefined && statusCode >= 200 && statusCode < 300;
