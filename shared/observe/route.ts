/**
 * The route template a request matched, as the OpenAPI documents spell it (`/projects/{id}`):
 * the only path a metric or a log line may carry (a path holds ids; a query string can hold an
 * IC number someone searched for). Requests no route matched are `unmatched`.
 */
import type { Context } from "hono";
import { routePath } from "hono/route";

export function routeTemplate(c: Context): string {
  const path = routePath(c, -1);
  if (!path || path.includes("*")) return "unmatched";
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");
}
