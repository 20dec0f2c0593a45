/**
 * Keyset-paged lists (`{ data, next_cursor }` with `?cursor=&limit=`): one page, every page, or
 * every row, the last two as async iterators that ask for the next page only when the caller
 * has used up the one before.
 */

/** One page of a list. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** A list's filters: whatever its query takes, `cursor` and `limit` included. */
type Filters = { cursor?: string };

/**
 * Fetches one page: the filters, and the cursor to start from (which wins over
 * `filters.cursor`: services send `{ ...filters, cursor }`).
 */
export type FetchPage<F, P> = (filters: F | undefined, cursor: string | undefined) => Promise<P>;

/** Every page from `filters.cursor` (or the start) to the end. */
export async function* pagesOf<F extends Filters, P extends Page<unknown>>(
  fetchPage: FetchPage<F, P>,
  filters?: F,
): AsyncGenerator<P, void, undefined> {
  let cursor = filters?.cursor;
  for (;;) {
    const page = await fetchPage(filters, cursor);
    yield page;
    if (!page.next_cursor) return;
    // A cursor that does not move would loop for ever: the server's bug, but not our hang.
    if (page.next_cursor === cursor) throw new Error(`the list did not advance past ${cursor}`);
    cursor = page.next_cursor;
  }
}

/** Every row of every page. */
export async function* rowsOf<T>(
  pages: AsyncIterable<Page<T>>,
): AsyncGenerator<T, void, undefined> {
  for await (const page of pages) yield* page.data;
}

/** `list` (one page), `pages()` and `listAll()` of a list whose filters are all it takes. */
export interface PagedList<F, P extends Page<unknown>> {
  /** One page: its `next_cursor` is the `cursor` filter of the next. */
  list(filters?: F): Promise<P>;
  /** Each page in turn, following `next_cursor`. */
  pages(filters?: F): AsyncGenerator<P, void, undefined>;
  /** Each row of each page in turn. */
  listAll(filters?: F): AsyncGenerator<P["data"][number], void, undefined>;
}

/** A list of one parent's rows (`projects.staff`, `candidates.assignments`): its id first. */
export interface PagedSubList<F, P extends Page<unknown>> {
  list(id: string, filters?: F): Promise<P>;
  pages(id: string, filters?: F): AsyncGenerator<P, void, undefined>;
  listAll(id: string, filters?: F): AsyncGenerator<P["data"][number], void, undefined>;
}

/** The three ways to read a list, from its one-page fetch. */
export function paged<F extends Filters, P extends Page<unknown>>(
  fetchPage: FetchPage<F, P>,
): PagedList<F, P> {
  return {
    list: (filters) => fetchPage(filters, filters?.cursor),
    pages: (filters) => pagesOf(fetchPage, filters),
    listAll: (filters) => rowsOf(pagesOf(fetchPage, filters)),
  };
}

/** `paged` for a list under one parent id. */
export function pagedBy<F extends Filters, P extends Page<unknown>>(
  fetchPage: (id: string, filters: F | undefined, cursor: string | undefined) => Promise<P>,
): PagedSubList<F, P> {
  const of = (id: string): FetchPage<F, P> => (filters, cursor) => fetchPage(id, filters, cursor);
  return {
    list: (id, filters) => fetchPage(id, filters, filters?.cursor),
    pages: (id, filters) => pagesOf(of(id), filters),
    listAll: (id, filters) => rowsOf(pagesOf(of(id), filters)),
  };
}
