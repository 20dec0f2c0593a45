/**
 * Where generated files (bank payment files) are kept: Supabase Storage on hosted projects
 * (`FILE_STORE=storage`, a private bucket, service key), a table in the database otherwise
 * (`FILE_STORE=table`, the default and the local stack's). Same two calls either way.
 */
import { createClient } from "@supabase/supabase-js";
import { config } from "../config.ts";
import { asServiceRole } from "../db/index.ts";
import { sha256Hex } from "../hash.ts";

export interface StoredFile {
  bytes: Uint8Array;
  contentType: string;
}

export interface FileStore {
  /** Writes (or overwrites: a rebuilt file replaces its earlier bytes) the file at `path`. */
  put(path: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The file, or null when there is none. */
  get(path: string): Promise<StoredFile | null>;
}

/** `private.stored_files`: the bytes in a bytea column, next to their hash. */
export const tableStore: FileStore = {
  async put(path, bytes, contentType) {
    const sha = await sha256Hex(bytes);
    await asServiceRole("file store put", (tx) =>
      tx`
      insert into private.stored_files (path, content, content_type, size_bytes, sha256)
      values (${path}, ${bytes}, ${contentType}, ${bytes.length}, ${sha})
      on conflict (path) do update set content = excluded.content,
        content_type = excluded.content_type, size_bytes = excluded.size_bytes,
        sha256 = excluded.sha256, created_at = now()`);
  },
  async get(path) {
    const [row] = await asServiceRole(
      "file store get",
      (tx) =>
        tx<{ content: Uint8Array; content_type: string }[]>`
        select content, content_type from private.stored_files where path = ${path}`,
    );
    return row ? { bytes: new Uint8Array(row.content), contentType: row.content_type } : null;
  },
};

/** A private Supabase Storage bucket (created on first use), through supabase-js. */
function storageStore(url: URL, key: string, bucket: string): FileStore {
  const client = createClient(url.href, key, { auth: { persistSession: false } });
  let bucketReady: Promise<unknown> | undefined;
  const ensureBucket = () =>
    bucketReady ??= client.storage.createBucket(bucket, { public: false }).then((r) => {
      // "already exists" is the normal case after the first file.
      if (r.error && !/exist/i.test(r.error.message)) {
        bucketReady = undefined;
        throw r.error;
      }
    });
  return {
    async put(path, bytes, contentType) {
      await ensureBucket();
      const { error } = await client.storage.from(bucket).upload(path, bytes, {
        contentType,
        upsert: true,
      });
      if (error) throw error;
    },
    async get(path) {
      const { data, error } = await client.storage.from(bucket).download(path);
      if (error) {
        if (/not.?found|404/i.test(`${error.message} ${(error as { status?: number }).status}`)) {
          return null;
        }
        throw error;
      }
      return { bytes: new Uint8Array(await data.arrayBuffer()), contentType: data.type };
    },
  };
}

let chosen: FileStore | undefined;

/** The store the config names. */
export function fileStore(): FileStore {
  const files = config.jobs.files;
  return chosen ??= files.store === "storage"
    ? storageStore(files.supabaseUrl!, files.serviceKey!, files.bucket)
    : tableStore;
}
