/**
 * Types every call from openapi-typescript's `paths` (client/types/*.gen.ts): a route is named
 * by its method and path template exactly as the OpenAPI document has it, and its parameters,
 * body and success body follow from that document — nothing here restates a shape.
 */
import type { Transport } from "./transport.ts";

/** The methods an OpenAPI path item may hold that the functions use. */
export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** The methods `Item` (one entry of `paths`) defines. */
export type MethodsOf<Item> = {
  [M in HttpMethod]: Item extends { [K in M]: { responses: unknown } } ? M : never;
}[HttpMethod];

/** The operation object of `method path`. */
export type Operation<Paths, P extends keyof Paths, M extends HttpMethod> = Paths[P] extends
  { [K in M]: infer O } ? O : never;

type ParamsOf<O> = O extends { parameters: infer Params } ? Params : never;
/** A parameter slot as declared: `T | undefined` when optional, `undefined` when absent. */
type Slot<O, K extends "path" | "query" | "header"> = K extends keyof ParamsOf<O> ? ParamsOf<O>[K]
  : undefined;

/** The JSON request body, `undefined` when the operation takes none. */
export type BodyOf<O> = O extends { requestBody?: infer R }
  ? [NonNullable<R>] extends [never] ? undefined
  : NonNullable<R> extends { content: { "application/json": infer B } }
    ? undefined extends R ? B | undefined : B
  : undefined
  : undefined;

/** `{ key: T }` when T is required, `{ key?: T }` when optional, `{ key?: never }` when absent. */
type Field<K extends string, T> = [T] extends [undefined] ? { [P in K]?: never }
  : undefined extends T ? { [P in K]?: T }
  : { [P in K]: T };

/** What a call of the operation is given. */
export type InputOf<O> =
  & Field<"path", Slot<O, "path">>
  & Field<"query", Slot<O, "query">>
  & Field<"header", Slot<O, "header">>
  & Field<"body", BodyOf<O>>;

/** The query parameters of an operation (what a list's filters are). */
export type QueryOf<O> = NonNullable<Slot<O, "query">>;

type SuccessStatus = 200 | 201 | 202 | 204;
type ContentOf<R> = R extends { content: infer C } ? C[keyof C] : undefined;

/** The body of any success answer (a union when the route has two, e.g. 200 and 202). */
export type OkOf<O> = O extends { responses: infer R }
  ? { [S in keyof R & SuccessStatus]: ContentOf<R[S]> }[keyof R & SuccessStatus]
  : never;

/** A success answer: its body, status and headers. */
export interface Reply<T> {
  data: T;
  status: number;
  headers: Headers;
}

/** `route("get", "/projects/{id}")` → a typed call of that route. */
export type RouteBinder<Paths> = <P extends keyof Paths & string, M extends MethodsOf<Paths[P]>>(
  method: M,
  path: P,
) => (
  input: InputOf<Operation<Paths, P, M>>,
) => Promise<Reply<OkOf<Operation<Paths, P, M>>>>;

type Scalar = string | number | boolean;

/** The untyped view of an input: what goes into the URL, the headers and the body. */
interface Slots {
  path?: Record<string, Scalar>;
  query?: Record<string, Scalar | readonly Scalar[] | undefined>;
  header?: Record<string, string | undefined>;
  body?: unknown;
}

/** `/projects/{id}/staff` + `{ id }` + `{ limit: 2 }` → `projects/<id>/staff?limit=2`. */
export function functionPath(
  template: string,
  path: Record<string, Scalar> | undefined,
  query: Record<string, Scalar | readonly Scalar[] | null | undefined> | undefined,
): string {
  const filled = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = path?.[name];
    if (value === undefined || value === "") throw new TypeError(`${template}: ${name} is missing`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const one of Array.isArray(value) ? value : [value]) search.append(name, String(one));
  }
  // `%20`, not `+`, for spaces: what every server decodes the same way.
  const qs = search.toString().replaceAll("+", "%20");
  return filled.slice(1) + (qs ? `?${qs}` : "");
}

/**
 * A binder for one function's `paths`: each bound route is recorded in `routes` as
 * `METHOD /path` (what the coverage test compares with the OpenAPI documents).
 */
export function routeBinder<Paths>(transport: Transport, routes: string[]): RouteBinder<Paths> {
  return (method, path) => {
    const route = `${method.toUpperCase()} ${path}`;
    routes.push(route);
    return async (input) => {
      // Checked against the operation where the service calls it; a generic InputOf cannot be
      // narrowed here, and only its four slots matter.
      const given = input as Slots;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(given.header ?? {})) {
        if (value !== undefined) headers[name] = value;
      }
      const reply = await transport.send({
        method: method.toUpperCase() as Uppercase<HttpMethod>,
        path: functionPath(path, given.path, given.query),
        route,
        body: given.body,
        headers,
      });
      // The answer is what the OpenAPI document promises: the functions type their answers with
      // the zod schemas the document is made from. The client does not parse it again.
      return reply as Reply<OkOf<Operation<Paths, typeof path, typeof method>>>;
    };
  };
}
