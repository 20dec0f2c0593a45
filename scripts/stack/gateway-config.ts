/**
 * Reads the `[functions.NAME]` tables of a Supabase `config.toml` the way the CLI does: paths are
 * relative to the config file's folder, `verify_jwt` and `enabled` default to true, and a missing
 * `entrypoint` means `functions/NAME/index.ts` beside the config.
 */
import { parse } from "smol-toml";
import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** One function as the gateway serves it; all paths absolute. */
export interface FunctionConfig {
  name: string;
  entrypoint: string;
  verifyJwt: boolean;
  enabled: boolean;
  importMap?: string;
}

// The CLI's own rule for function names.
const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Parses `configPath` and returns its functions in file order; throws on a malformed table. */
export async function loadFunctionConfigs(configPath: string): Promise<FunctionConfig[]> {
  const file = resolve(configPath);
  const root = dirname(file);
  const document = parse(await Deno.readTextFile(file));
  const tables = document.functions ?? {};
  if (!isTable(tables)) throw new Error(`${file}: [functions] must be a table`);
  return Object.entries(tables).map(([name, table]) => {
    if (!FUNCTION_NAME.test(name)) throw new Error(`${file}: invalid function name "${name}"`);
    if (!isTable(table)) throw new Error(`${file}: [functions.${name}] must be a table`);
    const entrypoint = optional(table, "entrypoint", "string", `${file} [functions.${name}]`);
    const importMap = optional(table, "import_map", "string", `${file} [functions.${name}]`);
    return {
      name,
      entrypoint: resolve(root, entrypoint ?? join("functions", name, "index.ts")),
      verifyJwt: optional(table, "verify_jwt", "boolean", `${file} [functions.${name}]`) ?? true,
      enabled: optional(table, "enabled", "boolean", `${file} [functions.${name}]`) ?? true,
      ...(importMap ? { importMap: resolve(root, importMap) } : {}),
    };
  });
}

/**
 * The `deno` flags that make a function's bare specifiers resolve: its `import_map` when it names
 * one (a deno.json is taken as a config), else the nearest deno.json above the entrypoint.
 */
export function resolutionFlags(fn: FunctionConfig): string[] {
  if (fn.importMap && /^deno\.jsonc?$/.test(basename(fn.importMap))) {
    return ["--config", fn.importMap];
  }
  // The project deno.json also carries nodeModulesDir and the lock file, so keep it even when an
  // import map is given (the --import-map flag wins over the config's own).
  const config = nearestDenoJson(dirname(fn.entrypoint));
  const overrides = fn.importMap && (!config || configImportMap(config) !== fn.importMap);
  return [
    ...(config ? ["--config", config] : []),
    ...(overrides ? ["--import-map", fn.importMap!] : []),
  ];
}

/** The absolute import map a deno.json names, if it names one. */
function configImportMap(config: string): string | undefined {
  try {
    const { importMap } = JSON.parse(Deno.readTextFileSync(config));
    return typeof importMap === "string" ? resolve(dirname(config), importMap) : undefined;
  } catch {
    return undefined; // jsonc with comments: passing --import-map as well is still right.
  }
}

function nearestDenoJson(from: string): string | undefined {
  for (let dir = from;; dir = dirname(dir)) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      if (existsSync(join(dir, name))) return join(dir, name);
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optional<T extends "string" | "boolean">(
  table: Record<string, unknown>,
  key: string,
  type: T,
  where: string,
): (T extends "string" ? string : boolean) | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  const actual = typeof value;
  if (actual !== type) throw new Error(`${where}: ${key} must be a ${type}`);
  return value as T extends "string" ? string : boolean;
}
