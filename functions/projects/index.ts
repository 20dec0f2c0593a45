/** Entry point of the `projects` Edge Function. */
import { app } from "./app.ts";

Deno.serve(app.fetch);
