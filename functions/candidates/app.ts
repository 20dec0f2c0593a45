/** The candidates function's app, exported apart from `Deno.serve` so tests can call it in-process. */
import { createApp } from "../../shared/http/index.ts";
import { candidatesRoutes } from "./routes/candidates.ts";

export const app = createApp("candidates");
app.route("/", candidatesRoutes);
