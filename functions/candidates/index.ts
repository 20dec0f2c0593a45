/** Edge Function entry point: `/functions/v1/candidates/...`. */
import { app } from "./app.ts";

Deno.serve(app.fetch);
