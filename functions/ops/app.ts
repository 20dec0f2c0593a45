/** The ops function's app, exported so tests can call `app.request()` in-process. */
import { createApp } from "../../shared/http/index.ts";
import { opsRoutes } from "./routes/ops.ts";

export const app = createApp("ops");
app.route("/", opsRoutes);
