/**
 * fast-check arbitraries for the API fuzz, derived from a route's own zod schemas (through
 * zod's JSON Schema output, so there is no second copy of any contract), and the hostile
 * values the fuzz mixes into otherwise well-formed requests.
 */
import fc from 'fast-check';
import { z } from 'zod';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
};

const INT32 = 2 ** 31 - 1;
const clamp = (value: number | undefined, fallback: number) => Math.max(-INT32, Math.min(INT32, value ?? fallback));

/** Values that satisfy the schema's JSON Schema form (refinements aside): the well-formed base. */
export function arbitraryOf(zodSchema: z.ZodType): fc.Arbitrary<unknown> {
  return fromJsonSchema(z.toJSONSchema(zodSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
}

function fromJsonSchema(schema: JsonSchema): fc.Arbitrary<unknown> {
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return fc.oneof(...choices.map(fromJsonSchema));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => fromJsonSchema({ ...schema, type: t })));
  switch (type[0]) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({ min: clamp(schema.minimum, -1000), max: clamp(schema.maximum, 1000) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fromJsonSchema(schema.items ?? {}), { minLength: schema.minItems ?? 0, maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)) });
    case 'object':
      return objectOf(schema);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.format === 'uri') return fc.webUrl();
  const maxLength = Math.min(schema.maxLength ?? 40, 40);
  // Unicode property classes (\p{Cc}) expand to most of Unicode in fast-check's regex model, which
  // takes seconds to build; plain strings serve those fields (the odd ones come from ODD_STRINGS).
  if (schema.pattern && !/\\[pP]\{/.test(schema.pattern)) {
    const pattern = new RegExp(schema.pattern, 'u');
    return fc.stringMatching(pattern).filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? Infinity));
  }
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.max(schema.minLength ?? 0, maxLength), unit: 'grapheme' });
}

function objectOf(schema: JsonSchema): fc.Arbitrary<unknown> {
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, s]) => [name, fromJsonSchema(s)]));
  const known = fc.record(properties, { requiredKeys: (schema.required ?? []) as never[] });
  const extra = schema.additionalProperties;
  if (!extra || extra === true || schema.properties) return known;
  return fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fromJsonSchema(extra), { maxKeys: 3 });
}

/** Strings that have broken something somewhere: encodings, terminators, direction, size. */
export const ODD_STRINGS: readonly string[] = [
  '',
  ' ',
  '\ud800',
  'pm_\udfff',
  'a\ud83d',
  '\uffff',
  '\ufffe',
  'x\ufdd0',
  '\u{10ffff}',
  '\u{1fffe}',
  'nul\u0000byte',
  '\u0000',
  'tab\tnew\nline\r',
  '\u001b[31mred',
  '\u007f\u0085\u009f',
  '\u202eevil\u202c',
  '\u200f\u200e\u061c',
  '\u200b\u2060\ufeff',
  'e\u0301\u0301\u0301',
  '😀👩‍👩‍👧‍👦',
  '\ufffd',
  '%00',
  '%ZZ',
  '../../etc/passwd',
  "' OR '1'='1",
  '<script>alert(1)</script>',
  '{"$ne":null}',
  '#',
  'a#b#c',
  'USD',
  'pm_card_visa',
  'prd_000000000000000000000',
  'x'.repeat(256),
  'y'.repeat(10_000),
  'é'.repeat(5_000),
];

/** Numbers (as raw JSON text) that break integer handling: huge, tiny, fractional, negative zero, out of range. */
export const ODD_NUMBERS: readonly string[] = [
  '0',
  '-0',
  '-1',
  '0.5',
  '1e308',
  '1e400',
  '-1e400',
  '5e-324',
  String(2 ** 53 + 1),
  String(-(2 ** 53) - 1),
  '1' + '0'.repeat(400),
  '99999999999999999999999999',
  '1E2',
  '100',
  '1000000001',
];

/** Any JSON value of the wrong kind. */
export const ODD_VALUES: readonly unknown[] = [null, true, false, [], {}, [[]], { a: { b: {} } }, [1, 'a', null]];

/** Path segments that are not valid percent-encoded UTF-8, or decode to something odd. */
export const BAD_PATH_SEGMENTS: readonly string[] = [
  '%',
  '%Z',
  '%ZZ',
  '%E0%A4%A',
  '%FF',
  '%C0%AF',
  '%ED%A0%80',
  '%EF%BF%BF',
  '%00',
  '%2F',
  '%25',
  '..',
  '%2E%2E',
  '%20',
  'a'.repeat(5000),
];

/** A raw JSON text nested `depth` levels deep. */
export const deeplyNested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** Bodies that are not JSON, or not what JSON parsers agree on. */
export const MALFORMED_BODIES: readonly string[] = [
  '{',
  '}',
  '{"a":',
  '[1,]',
  '{"a":1,}',
  "{'a':1}",
  '{"a":1}{"b":2}',
  'nul',
  'NaN',
  'undefined',
  '\ufeff{}',
  '\u0000',
  '"\\ud800"',
  '{"a":"\\x41"}',
  '<xml/>',
  'a=1&b=2',
  '--boundary\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--boundary--',
];

export const CONTENT_TYPES: readonly (string | undefined)[] = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=boundary',
  'application/xml',
  undefined,
];

/**
 * Replaces one leaf of `value` (chosen by `pick`) with a marker for `raw` JSON text, so raw
 * numbers (1e400) and deep nesting can sit anywhere inside an otherwise generated body.
 */
export function withRawLeaf(value: unknown, pick: number, raw: string): string {
  const MARK = '\u0001raw-leaf\u0001';
  const leaves = leafPaths(value);
  if (leaves.length === 0) return raw;
  const path = leaves[pick % leaves.length]!;
  return JSON.stringify(setAt(value, path, MARK)).replace(JSON.stringify(MARK), raw);
}

/** The paths of every leaf (non-container value) in a JSON value. */
export function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leafPaths(item, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]));
  return path.length ? [path] : [];
}

/** A copy of `value` with the leaf at `path` replaced. */
export function setAt(value: unknown, path: (string | number)[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[head!] = setAt(copy[head!], rest, leaf);
  return copy;
}
