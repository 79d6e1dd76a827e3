/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed keys for nested
 * objects and arrays (`metadata[order_id]=o1`, `expand[0]=latest_charge`, `expand[]=customer`),
 * as the stripe SDK writes it. Parsed into plain nested values; everything stays a string and the
 * resource handlers coerce (that is where Stripe reports "Invalid integer" and friends).
 */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** Parses a form-encoded body or query string into nested objects and arrays. */
export function parseForm(encoded: string): FormObject {
  const root: FormObject = {};
  for (const [rawKey, value] of new URLSearchParams(encoded)) {
    const path = splitKey(rawKey);
    if (path.length > 0) assign(root, path, value);
  }
  return arraysFromIndexes(root) as FormObject;
}

/** `a[b][0]` → ['a', 'b', '0']; `a[]` → ['a', ''] (append). */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return key ? [key] : [];
  const parts = [key.slice(0, open)];
  for (const match of key.slice(open).matchAll(/\[([^\]]*)\]/g)) parts.push(match[1] ?? '');
  return parts;
}

/** Builds objects only; numeric and empty segments become arrays in a second pass. */
function assign(target: FormObject, path: string[], value: string): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = keyFor(node, path[i] ?? '');
    const next = node[segment];
    if (typeof next === 'object' && !Array.isArray(next)) {
      node = next;
    } else {
      const child: FormObject = {};
      node[segment] = child;
      node = child;
    }
  }
  node[keyFor(node, path[path.length - 1] ?? '')] = value;
}

/** An empty segment (`a[]`) appends: it gets the next free index. */
function keyFor(node: FormObject, segment: string): string {
  return segment === '' ? String(Object.keys(node).length) : segment;
}

/** An object whose keys are exactly 0..n-1 was an array on the wire. */
function arraysFromIndexes(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const converted: FormObject = {};
  for (const key of keys) converted[key] = arraysFromIndexes(value[key] as FormValue);
  const isArray = keys.length > 0 && keys.every((key, i) => key === String(i));
  return isArray ? keys.map((key) => converted[key] as FormValue) : converted;
}

/**
 * A stable text form of parsed params, used to tell "the same request" from "another request"
 * under one idempotency key regardless of the order in which the client wrote the fields.
 */
export function canonicalForm(value: FormValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalForm).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalForm(value[key] as FormValue)}`).join(',')}}`;
}
