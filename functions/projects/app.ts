/** The projects function's app, exported so tests can call `app.request()` in-process. */
import { createApp } from "../../shared/http.ts";
import { readRoutes } from "./routes/read.ts";
import { staffRoutes } from "./routes/staff.ts";
import { writeRoutes } from "./routes/write.ts";

export const app = createApp("projects");
// Read routes first: `/dashboard` and `/stats` must win over `/{id}`.
app.route("/", readRoutes);
app.route("/", writeRoutes);
app.route("/", staffRoutes);
