/** One page of a list route, the contract's `{ items, nextCursor }`; `nextCursor` is null on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}
