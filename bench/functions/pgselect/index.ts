// The raw-select ceiling served behind the gateway (bench/config.toml only).
import { createPgSelectHandler } from "../../ceilings/pg-select.ts";

Deno.serve(createPgSelectHandler());
