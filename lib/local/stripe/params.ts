import { invalidRequest, missingParam } from './errors';
import type { FormObject, FormValue } from './form';
import type { Page } from './store';

/**
 * Typed readers over parsed form params, failing the way Stripe does (`parameter_missing`,
 * `parameter_invalid_integer`, …). Which params an endpoint takes at all is its route's
 * ParamSpec (routes.ts): anything else is refused before a handler runs.
 */
export type Params = FormObject;

function scalar(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid ${name}: must be a string`, 'parameter_invalid_string', name);
  return value;
}

/** A string param; an empty string counts as absent, as in Stripe's "unset" convention. */
export function optionalString(params: Params, name: string): string | undefined {
  const value = scalar(params, name);
  return value === '' ? undefined : value;
}

export function requiredString(params: Params, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

/**
 * A URL param (`return_url`): absolute, with a scheme (an app's own scheme too, as Stripe allows),
 * else Stripe's 400 url_invalid.
 */
export function optionalUrl(params: Params, name: string): string | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (!URL.canParse(value)) throw invalidRequest('Not a valid URL', 'url_invalid', name);
  return value;
}

export function optionalInteger(params: Params, name: string): number | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw invalidRequest(`Invalid integer: ${value}`, 'parameter_invalid_integer', name);
  return Number(value);
}

export function requiredInteger(params: Params, name: string): number {
  const value = optionalInteger(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function optionalBoolean(params: Params, name: string): boolean | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') {
    throw invalidRequest(`Invalid boolean: ${value}`, 'parameter_invalid_boolean', name);
  }
  return value === 'true';
}

export function optionalEnum<T extends string>(params: Params, name: string, allowed: readonly T[]): T | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidRequest(`Invalid ${name}: must be one of ${allowed.join(', ')}`, 'parameter_invalid_string', name);
  }
  return value as T;
}

export function stringList(params: Params, name: string): string[] {
  const value = params[name];
  if (value === undefined || value === '') return [];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidRequest(`Invalid array: ${name}`, 'parameter_invalid_array', name);
  }
  return value as string[];
}

export function nested(params: Params, name: string): Params | undefined {
  const value: FormValue | undefined = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' || Array.isArray(value)) {
    throw invalidRequest(`Invalid object: ${name}`, 'parameter_invalid_object', name);
  }
  return value;
}

/**
 * Applies a `metadata` param to existing metadata the way Stripe does: keys merge, a key set to
 * '' is removed, and `metadata=''` clears everything.
 */
export function mergeMetadata(current: Record<string, string>, params: Params): Record<string, string> {
  const value = params['metadata'];
  if (value === undefined) return current;
  if (value === '') return {};
  if (typeof value === 'string' || Array.isArray(value)) {
    throw invalidRequest('Invalid object: metadata', 'parameter_invalid_object', 'metadata');
  }
  const merged = { ...current };
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw invalidRequest(`Invalid metadata value for ${key}`, 'parameter_invalid_string', 'metadata');
    if (key.length > 40) throw invalidRequest(`Metadata key ${key} is longer than 40 characters`, 'parameter_invalid_string', 'metadata');
    if (entry.length > 500) throw invalidRequest(`Metadata value for ${key} is longer than 500 characters`, 'parameter_invalid_string', 'metadata');
    if (entry === '') delete merged[key];
    else merged[key] = entry;
  }
  if (Object.keys(merged).length > 50) throw invalidRequest('Metadata can have at most 50 keys', 'parameter_invalid_object', 'metadata');
  return merged;
}

/** `limit` (1..100, default 10), `starting_after`, `ending_before`. */
export function pageOf(params: Params): Page {
  const limit = optionalInteger(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest('Invalid limit: must be between 1 and 100', 'parameter_invalid_integer', 'limit');
  const startingAfter = optionalString(params, 'starting_after');
  const endingBefore = optionalString(params, 'ending_before');
  return { limit, ...(startingAfter ? { startingAfter } : {}), ...(endingBefore ? { endingBefore } : {}) };
}

/**
 * The parameters one endpoint accepts, as Stripe declares them: `true` for a value (a string or
 * a list of strings), `'map'` for free-form keys (metadata), a nested spec for an object param.
 */
export interface ParamSpec {
  readonly [name: string]: true | 'map' | ParamSpec;
}

/**
 * Refuses what the endpoint does not declare, as Stripe does (`parameter_unknown`), so a typo
 * such as `retrun_url` fails locally exactly as it would against Stripe instead of being ignored.
 */
export function refuseUnknownParams(params: Params, spec: ParamSpec, prefix = ''): void {
  for (const [name, value] of Object.entries(params)) {
    const path = prefix ? `${prefix}[${name}]` : name;
    const declared = spec[name];
    if (declared === undefined) throw invalidRequest(`Received unknown parameter: ${path}`, 'parameter_unknown', path);
    if (typeof declared === 'object' && typeof value === 'object' && !Array.isArray(value)) refuseUnknownParams(value, declared, path);
  }
}
