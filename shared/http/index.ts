/** What a function's app and route files use from the HTTP layer. */
export { type App, createApp } from "./app.ts";
export type { AppEnv } from "./env.ts";
export { etagOf, ifMatchValue } from "./etag.ts";
export { handle } from "./handle.ts";
export { issuesToDetails } from "./respond.ts";
export { ErrorBody, jsonBody, jsonResponse, route } from "./route.ts";
