/** The jobs function's app, exported so tests can call `app.request()` in-process. */
import { config } from "../../shared/config.ts";
import { createApp } from "../../shared/http/index.ts";
import { jobRoutes } from "./routes/jobs.ts";

// A worker call may run its whole budget; the deadline leaves it time to finish the last batch.
export const app = createApp("jobs", { requestTimeoutMs: config.jobs.budgetMs + 15_000 });
app.route("/", jobRoutes);
