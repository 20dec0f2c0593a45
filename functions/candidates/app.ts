/** The candidates function's app, exported apart from `Deno.serve` so tests can call it in-process. */
import { createApp } from "../../shared/http.ts";
import { candidatesRoutes } from "./routes.ts";

export const app = createApp("candidates");
app.route("/", candidatesRoutes);
