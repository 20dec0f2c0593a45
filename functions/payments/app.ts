/** The payments app, exported so tests can call `app.request()` in-process. */
import { createApp } from "../../shared/http.ts";
import { readRoutes } from "./routes-read.ts";
import { writeRoutes } from "./routes-write.ts";

export const app = createApp("payments");
// Write routes first: `POST /approve` and `/payroll` are static paths beside `/{id}/...`.
app.route("/", writeRoutes);
app.route("/", readRoutes);
