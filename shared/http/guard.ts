/**
 * The last line of defence of an isolate: an unhandled promise rejection or an uncaught
 * exception from a library callback is logged and counted instead of ending the process (Deno
 * exits on both by default, and on hosted Edge a dying isolate fails every request it holds).
 * The causes are fixed where they arise (see shared/db/arrays.ts); this only keeps one we missed from
 * taking the isolate down. Installed once per isolate by the app factory.
 */
import { log } from "../log.ts";

let installed = false;
let count = 0;

/** How many rejections and exceptions the guard has absorbed in this isolate. */
export function escapedErrors(): number {
  return count;
}

/**
 * What the log line may say about an error: its kind and code, never row values, and where it
 * was thrown (the stack's frames, without its message: which library callback to fix).
 */
function describe(reason: unknown): Record<string, unknown> {
  if (reason instanceof Error) {
    const code = (reason as { code?: unknown }).code;
    const frames = (reason.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
    return {
      name: reason.name,
      ...(typeof code === "string" ? { code } : {}),
      message: reason.message.slice(0, 200),
      at: frames.slice(0, 6).map((line) => line.trim().slice(3, 160)),
    };
  }
  return { name: typeof reason };
}

/** Installs the guard (idempotent). */
export function installGuard(): void {
  if (installed) return;
  installed = true;
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    count++;
    log.error("unhandled_rejection", describe(event.reason));
  });
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    count++;
    log.error("uncaught_exception", describe(event.error));
  });
}
