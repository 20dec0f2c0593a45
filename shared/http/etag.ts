/** ETag / If-Match helpers (RFC 9110) for optimistic concurrency on `updated_at`. */

/** The `ETag` we send for a project: its `updated_at`, quoted as RFC 9110 asks. */
export const etagOf = (updatedAt: string) => `"${updatedAt}"`;

/** Reads an `If-Match` value back into an `updated_at` (accepts quoted, weak or bare forms). */
export function ifMatchValue(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return header.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}
