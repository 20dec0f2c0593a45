/** The projects function's app, exported so tests can call `app.request()` in-process. */
import { createApp } from "../../shared/http/index.ts";
import { projectRoutes } from "./routes/projects.ts";
import { staffRoutes } from "./routes/staff.ts";

export const app = createApp("projects");
app.route("/", projectRoutes);
app.route("/", staffRoutes);
