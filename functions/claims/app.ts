/** The claims function's app, exported apart from `Deno.serve` so tests can call it in-process. */
import { createApp } from "../../shared/http/index.ts";
import { claimsRoutes } from "./routes/claims.ts";

export const app = createApp("claims");
app.route("/", claimsRoutes);
