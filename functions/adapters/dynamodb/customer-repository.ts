/**
 * Customers in the single table: the profile item and the address book, all in the caller's own
 * partition (keys and access patterns: keys.ts, `customerKeys`). Every read and write is keyed by
 * the customer id from the token, so another customer's address is simply not found.
 */
import { randomBytes } from 'node:crypto';
import type { Address, AddressInput, Profile, ProfileInput, SavedAddress } from '../../domain/customer';
import { NotFound, ValidationFailed } from '../../domain/errors';
import { customerKeys } from './keys';
import { deleteItem, entityTag, getItem, isConditionFailure, putItem, query, updateItem, type Entity } from './table';
import type { Page } from '../../domain/page';

/** The stored profile: what GET /me shows plus the Stripe customer, which stays internal. */
interface ProfileItem extends Profile {
  readonly stripeCustomerId?: string;
}

type AddressItem = Omit<SavedAddress, 'isDefault'>;

const ADDRESS_FIELDS = ['name', 'line1', 'line2', 'city', 'region', 'postalCode', 'country'] as const;
const PROFILE_NAMES = { '#id': 'id', '#entity': 'entity' };
/** The profile's entity tag, set by the updates that may create the profile. */
const CUSTOMER: Entity = 'CUSTOMER';
const ADDRESS_ID = /^adr_[0-9a-z]{9}[0-9a-f]{16}$/;

/** Time-ordered ids, so the address book lists in creation order without an index. */
const newAddressId = () => `adr_${Date.now().toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
const now = () => new Date().toISOString();

/** The caller's profile; the first read creates it (a customer exists from their first token). */
export async function getProfile(customerId: string): Promise<Profile> {
  return toProfile(await loadOrCreateProfile(customerId));
}

/** Replaces the editable profile fields; an undefined field is removed. */
export async function putProfile(customerId: string, input: ProfileInput): Promise<Profile> {
  const set = Object.entries(input).filter(([, value]) => value !== undefined);
  const removed = Object.keys(input).filter((field) => input[field as keyof ProfileInput] === undefined);
  const { Attributes } = await updateItem({
    Key: customerKeys.profile(customerId),
    UpdateExpression:
      `SET ${[...profileInit(), 'updatedAt = :now', ...set.map(([f]) => `#${f} = :${f}`)].join(', ')}` +
      (removed.length ? ` REMOVE ${removed.map((f) => `#${f}`).join(', ')}` : ''),
    ExpressionAttributeNames: { ...PROFILE_NAMES, ...Object.fromEntries(Object.keys(input).map((f) => [`#${f}`, f])) },
    ExpressionAttributeValues: { ':id': customerId, ':now': now(), ':entity': CUSTOMER, ...prefixed(set) },
    ReturnValues: 'ALL_NEW',
  });
  return toProfile(Attributes as ProfileItem);
}

/** The Stripe customer behind this customer, if one was created already. */
export async function getStripeCustomerId(customerId: string): Promise<string | undefined> {
  const { Item } = await getItem({ Key: customerKeys.profile(customerId), ConsistentRead: true });
  return (Item as ProfileItem | undefined)?.stripeCustomerId;
}

/**
 * Records the Stripe customer once: the first writer wins and every later caller gets the
 * winner's id back, so concurrent first uses agree on one Stripe customer.
 */
export async function saveStripeCustomerId(customerId: string, stripeCustomerId: string): Promise<string> {
  try {
    await updateItem({
      Key: customerKeys.profile(customerId),
      UpdateExpression: `SET ${[...profileInit(), 'updatedAt = if_not_exists(updatedAt, :now)', 'stripeCustomerId = :sc'].join(', ')}`,
      ConditionExpression: 'attribute_not_exists(stripeCustomerId) OR stripeCustomerId = :sc',
      ExpressionAttributeNames: PROFILE_NAMES,
      ExpressionAttributeValues: { ':id': customerId, ':now': now(), ':entity': CUSTOMER, ':sc': stripeCustomerId },
    });
    return stripeCustomerId;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return (await getStripeCustomerId(customerId))!;
  }
}

/** The caller's addresses in creation order, `limit` per page. */
export async function listAddresses(customerId: string, page: { limit: number; cursor?: string }): Promise<Page<SavedAddress>> {
  const [result, profile] = await Promise.all([
    query(
      { partition: customerKeys.partition(customerId), sortKey: { beginsWith: customerKeys.ADDRESS_PREFIX } },
      {
        ExclusiveStartKey: page.cursor ? customerKeys.address(customerId, decodeCursor(page.cursor)) : undefined,
        Limit: page.limit + 1, // one more tells whether another page exists
      },
    ),
    readProfile(customerId),
  ]);
  const items = (result.Items ?? []) as AddressItem[];
  const shown = items.slice(0, page.limit);
  return {
    items: shown.map((item) => toAddress(item, profile?.defaultAddressId)),
    nextCursor: items.length > page.limit ? encodeCursor(shown[shown.length - 1]!.id) : null,
  };
}

/**
 * One of the caller's addresses (checkout resolves `addressId` with it).
 * @throws NotFound when the address does not exist or belongs to another customer
 */
export async function getAddress(customerId: string, addressId: string): Promise<SavedAddress> {
  const [{ Item }, profile] = await Promise.all([
    getItem({ Key: customerKeys.address(customerId, addressId) }),
    readProfile(customerId),
  ]);
  if (!Item) throw new NotFound('Address', addressId);
  return toAddress(Item as AddressItem, profile?.defaultAddressId);
}

/** Adds an address; the first one becomes the default unless `isDefault` is false. */
export async function createAddress(customerId: string, { address, isDefault }: AddressInput): Promise<SavedAddress> {
  const id = newAddressId();
  const at = now();
  const item: AddressItem = { id, ...address, createdAt: at, updatedAt: at };
  await putItem({
    Item: { ...customerKeys.address(customerId, id), ...entityTag('ADDRESS'), ...item },
    ConditionExpression: 'attribute_not_exists(pk)',
  });
  const isNowDefault = await applyDefault(customerId, id, isDefault ?? 'if-none');
  return { ...item, isDefault: isNowDefault };
}

/** Replaces an address; `isDefault` true/false sets or clears the default, omitted keeps it. */
export async function updateAddress(customerId: string, addressId: string, { address, isDefault }: AddressInput): Promise<SavedAddress> {
  const present = ADDRESS_FIELDS.filter((f) => address[f] !== undefined);
  const absent = ADDRESS_FIELDS.filter((f) => address[f] === undefined);
  let updated: AddressItem;
  try {
    const { Attributes } = await updateItem({
      Key: customerKeys.address(customerId, addressId),
      UpdateExpression:
        `SET ${['updatedAt = :now', ...present.map((f) => `#${f} = :${f}`)].join(', ')}` +
        (absent.length ? ` REMOVE ${absent.map((f) => `#${f}`).join(', ')}` : ''),
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(ADDRESS_FIELDS.map((f) => [`#${f}`, f])),
      ExpressionAttributeValues: { ':now': now(), ...prefixed(present.map((f) => [f, address[f]])) },
      ReturnValues: 'ALL_NEW',
    });
    updated = Attributes as AddressItem;
  } catch (error) {
    if (isConditionFailure(error)) throw new NotFound('Address', addressId);
    throw error;
  }
  const isNowDefault =
    isDefault === undefined
      ? (await readProfile(customerId))?.defaultAddressId === addressId
      : await applyDefault(customerId, addressId, isDefault);
  return toAddress(updated, isNowDefault ? addressId : undefined);
}

/** Deletes an address (and the default mark when it was the default). */
export async function deleteAddress(customerId: string, addressId: string): Promise<void> {
  try {
    await deleteItem({
      Key: customerKeys.address(customerId, addressId),
      ConditionExpression: 'attribute_exists(pk)',
    });
  } catch (error) {
    if (isConditionFailure(error)) throw new NotFound('Address', addressId);
    throw error;
  }
  await applyDefault(customerId, addressId, false);
}

/**
 * Moves the default mark on the profile: `true` sets it, `false` clears it if it is this address,
 * `'if-none'` sets it only when no default exists. Answers whether the address is the default.
 */
async function applyDefault(customerId: string, addressId: string, mode: boolean | 'if-none'): Promise<boolean> {
  const condition =
    mode === true ? undefined : mode === false ? 'defaultAddressId = :address' : 'attribute_not_exists(defaultAddressId)';
  try {
    await updateItem({
      Key: customerKeys.profile(customerId),
      UpdateExpression:
        mode === false
          ? 'REMOVE defaultAddressId'
          : `SET ${[...profileInit(), 'updatedAt = if_not_exists(updatedAt, :now)', 'defaultAddressId = :address'].join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: mode === false ? undefined : PROFILE_NAMES,
      ExpressionAttributeValues:
        mode === false
          ? { ':address': addressId }
          : { ':id': customerId, ':now': now(), ':entity': CUSTOMER, ':address': addressId },
    });
    return mode !== false;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return false;
  }
}

async function readProfile(customerId: string): Promise<ProfileItem | undefined> {
  const { Item } = await getItem({ Key: customerKeys.profile(customerId) });
  return Item as ProfileItem | undefined;
}

async function loadOrCreateProfile(customerId: string): Promise<ProfileItem> {
  const existing = await readProfile(customerId);
  if (existing) return existing;
  const at = now();
  const item: ProfileItem = { id: customerId, createdAt: at, updatedAt: at };
  try {
    await putItem({
      Item: { ...customerKeys.profile(customerId), ...entityTag('CUSTOMER'), ...item },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    return item;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return (await readProfile(customerId))!; // a concurrent first request created it
  }
}

/** SET clauses that make a well-formed profile item when an update creates it. */
function profileInit(): string[] {
  return ['#id = :id', '#entity = :entity', 'createdAt = if_not_exists(createdAt, :now)'];
}

function prefixed(entries: [string, unknown][]): Record<string, unknown> {
  return Object.fromEntries(entries.map(([field, value]) => [`:${field}`, value]));
}

function toProfile(item: ProfileItem): Profile {
  const { id, email, name, phone, defaultAddressId, createdAt, updatedAt } = item;
  return { id, email, name, phone, ...(defaultAddressId ? { defaultAddressId } : {}), createdAt, updatedAt };
}

function toAddress(item: AddressItem, defaultAddressId: string | undefined): SavedAddress {
  const address = Object.fromEntries(ADDRESS_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as Address;
  return { id: item.id, ...address, isDefault: item.id === defaultAddressId, createdAt: item.createdAt, updatedAt: item.updatedAt };
}

function encodeCursor(addressId: string): string {
  return Buffer.from(addressId).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const addressId = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!ADDRESS_ID.test(addressId)) {
    throw new ValidationFailed([{ in: 'query', path: 'cursor', message: 'Not a cursor of this list' }], 'The request query is invalid.');
  }
  return addressId;
}
