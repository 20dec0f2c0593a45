/** The payments app, exported so tests can call `app.request()` in-process. */
import { createApp } from "../../shared/http/index.ts";
import { exportRoutes } from "./routes/exports.ts";
import { paymentRoutes } from "./routes/payments.ts";

export const app = createApp("payments");
app.route("/", exportRoutes);
app.route("/", paymentRoutes);
