/** The candidates function's app, exported apart from `Deno.serve` so tests can call it in-process. */
import { createApp } from "../../shared/http/index.ts";
import { candidatesRoutes } from "./routes/candidates.ts";

// Every answer here carries an IC (full or masked), contact details or bank details.
export const app = createApp("candidates", { noStore: true });
app.route("/", candidatesRoutes);
