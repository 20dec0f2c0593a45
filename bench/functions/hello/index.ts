// The bare-handler ceiling served behind the gateway (bench/config.toml only).
import { hello } from "../../ceilings/hello.ts";

Deno.serve(hello);
