/** Jobs: the queue worker, job status, and the queues' admin operations. */
import { app } from "./app.ts";

Deno.serve(app.fetch);
