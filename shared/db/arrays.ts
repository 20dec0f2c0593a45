/**
 * Array types for postgres.js, loaded once per isolate by us instead of by postgres.js.
 *
 * postgres.js (`fetch_types: true`, its default) reads the catalog's array types as the first
 * query of EVERY new connection and drops that query's promise: when it fails — pgbouncer
 * answering `server_login_retry` while Postgres restarts, a terminated backend, a cancel — the
 * rejection is unhandled and the isolate dies (porsager/postgres#1192, #1205, #1223; seen here
 * as every function crash-looping through a Postgres restart). So the pool runs with
 * `fetch_types: false` and this module does the same lookup as an ordinary, awaited query the
 * first time a transaction needs it, then installs parsers and serializers for each array type
 * into every client's options (postgres.js reads them from there on each message).
 */
import type postgres from "postgres";

/** The catalog query postgres.js itself runs, unchanged. */
export const ARRAY_TYPES_QUERY = `
  select b.oid, b.typarray
    from pg_catalog.pg_type a
    left join pg_catalog.pg_type b on b.oid = a.typelem
   where a.typcategory = 'A'
   group by b.oid, b.typarray
   order by b.oid`;

/** One element type and its array type, as the query returns them. */
export interface ArrayType {
  oid: number;
  typarray: number;
}

type Options = postgres.Sql["options"] & {
  parsers: Record<number, (value: string) => unknown>;
  serializers: Record<number, (value: unknown) => string>;
  shared: { typeArrayMap: Record<number, number> };
};

/** Only `box[]` uses `;` between elements; every other array type uses `,`. */
const BOX_ARRAY = 1020;

/**
 * Installs array parsers and serializers into a client's options, the way postgres.js does
 * after its own lookup, so `sql.array(...)`, JS arrays as parameters and array columns work.
 */
export function installArrayTypes(client: postgres.Sql, types: readonly ArrayType[]): void {
  const options = client.options as Options;
  for (const { oid, typarray } of types) {
    if (!oid || !typarray) continue;
    const parseElement = options.parsers[oid];
    const serializeElement = options.serializers[oid];
    const delimiter = typarray === BOX_ARRAY ? ";" : ",";
    options.shared.typeArrayMap[oid] = typarray;
    options.parsers[typarray] = (text) => parseArray(text, parseElement, delimiter);
    options.serializers[typarray] = (value) =>
      serializeArray(value, serializeElement, delimiter, options.transform.undefined);
  }
}

/** Reads the array types through `client` (one ordinary query). */
export async function loadArrayTypes(client: postgres.Sql): Promise<ArrayType[]> {
  // `unsafe` for a constant statement (no input in it), sent without a describe round trip.
  const rows = await client.unsafe(ARRAY_TYPES_QUERY);
  return rows.map((r) => ({ oid: Number(r.oid), typarray: Number(r.typarray) }));
}

/**
 * A Postgres array literal (`{a,"b c",NULL,{1,2}}`) as nested JS arrays; elements go through the
 * element type's parser. Quoted elements keep their text (`"NULL"` is the string NULL).
 */
export function parseArray(
  text: string,
  parseElement?: (value: string) => unknown,
  delimiter = ",",
): unknown[] {
  // A literal may start with dimension bounds: `[0:1]={a,b}`.
  let at = text[0] === "[" ? text.indexOf("=") + 1 : 0;
  const element = (raw: string, quoted: boolean) =>
    !quoted && raw === "NULL" ? null : parseElement ? parseElement(raw) : raw;

  function level(): unknown[] {
    const out: unknown[] = [];
    at++; // past "{"
    while (at < text.length) {
      const ch = text[at];
      if (ch === "}") {
        at++;
        return out;
      }
      if (ch === delimiter) {
        at++;
        continue;
      }
      if (ch === "{") {
        out.push(level());
        continue;
      }
      if (ch === '"') {
        let value = "";
        for (at++; at < text.length && text[at] !== '"'; at++) {
          value += text[at] === "\\" ? text[++at] : text[at];
        }
        at++; // past the closing quote
        out.push(element(value, true));
        continue;
      }
      let end = at;
      while (end < text.length && text[end] !== delimiter && text[end] !== "}") end++;
      out.push(element(text.slice(at, end), false));
      at = end;
    }
    throw new Error("unterminated array literal");
  }
  return level();
}

/** A JS array (possibly nested) as a Postgres array literal; null becomes NULL. */
export function serializeArray(
  value: unknown,
  serializeElement?: (value: unknown) => string,
  delimiter = ",",
  undefinedAs?: unknown,
): string {
  if (!Array.isArray(value)) return serializeElement ? serializeElement(value) : String(value);
  const parts = value.map((item) => {
    const x = item === undefined ? undefinedAs : item;
    if (x === undefined) throw new Error("Undefined values are not allowed in an array");
    if (x === null) return "NULL";
    if (Array.isArray(x)) return serializeArray(x, serializeElement, delimiter, undefinedAs);
    const text = serializeElement ? serializeElement(x) : String(x);
    return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  });
  return `{${parts.join(delimiter)}}`;
}
