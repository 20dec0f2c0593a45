/** Refusing, at the boundary, text the database could not store. */
import type { MiddlewareHandler } from "hono";
import { validationFailed } from "../errors.ts";
import type { AppEnv } from "./env.ts";

/** Why a text is refused, or null: Postgres cannot store a NUL, nor text that is not UTF-16. */
function unsafeText(value: string): string | null {
  if (value.includes("\0")) return "Must not contain a NUL character";
  if (!value.isWellFormed()) return "Must not contain an unpaired surrogate";
  return null;
}

/** Every string in a parsed JSON value that `unsafeText` refuses, by field path. */
function unsafeFields(value: unknown, path: string[], out: Record<string, string>): void {
  if (typeof value === "string") {
    const problem = unsafeText(value);
    if (problem) out[path.length ? path.join(".") : "_"] ??= problem;
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => unsafeFields(item, [...path, String(i)], out));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      unsafeFields(k, [...path, k], out);
      unsafeFields(v, [...path, k], out);
    }
  }
}

/**
 * Text Postgres would refuse (a NUL, an unpaired surrogate from a `\ud800` JSON escape) is a 400
 * naming the field, here at the boundary, for every route and every field: the database's own
 * refusal (22021 / 22P05) could not say which field it was. The body is parsed once (Hono keeps
 * it for the route's validator); requests without a query or a JSON body cost nothing.
 */
export const refuseUnsafeText: MiddlewareHandler<AppEnv> = async (c, next) => {
  const problems: Record<string, string> = {};
  if (c.req.url.includes("?")) {
    for (const [name, value] of new URL(c.req.url).searchParams) {
      const problem = unsafeText(name) ?? unsafeText(value);
      if (problem) problems[name] ??= problem;
    }
  }
  if (c.req.header("content-type")?.includes("application/json")) {
    unsafeFields(await c.req.json().catch(() => undefined), [], problems);
  }
  if (Object.keys(problems).length) throw validationFailed(problems);
  await next();
};
