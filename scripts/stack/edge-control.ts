/**
 * The one line the function host (edge-host.ts, inside the worker) writes on stderr to tell the
 * gateway (function-pool.ts) it is retiring: `<prefix>retiring <reason>`. Everything else on
 * stderr is the function's own output and is passed on.
 */
export const CONTROL_PREFIX = "\u001eedge-host ";
