/** Ops: Prometheus metrics of every isolate, the dashboard's figures, slow queries. */
import { app } from "./app.ts";

Deno.serve(app.fetch);
