/** Edge Function entry point: `/functions/v1/claims/...`. */
import { app } from "./app.ts";

Deno.serve(app.fetch);
