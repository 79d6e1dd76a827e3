/**
 * Text fields, declared once for every schema: what a line of text (a name, an address line, a
 * tag) and a block of text (a description) may hold. The edge (functions/shared/http.ts) has
 * already refused lone surrogates, non-characters and NUL in every request string.
 */
import * as z from '../shared/zod';

/** A trimmed, non-empty line of at most `max` characters, without control characters (tab and newline included). */
export const singleLine = (max: number) =>
  z.string().check(
    z.trim(),
    z.minLength(1, 'Must not be empty'),
    z.maxLength(max, `At most ${max} characters`),
    z.regex(/^\P{Cc}*$/u, 'Must not contain control characters'),
  );

/** Trimmed free text of at most `max` characters: tabs and line breaks, but no other control characters. */
export const multiLine = (max: number) =>
  z.string().check(
    z.trim(),
    z.maxLength(max, `At most ${max} characters`),
    z.regex(/^[\P{Cc}\t\n\r]*$/u, 'Must not contain control characters other than tabs and line breaks'),
  );
