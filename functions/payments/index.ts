/** Payments: list, detail, idempotent create, payroll, status moves, monthly summary. */
import { app } from "./app.ts";

Deno.serve(app.fetch);
