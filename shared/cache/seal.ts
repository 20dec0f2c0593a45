/**
 * What leaves the isolate for L2 is sealed: Upstash is a third party, and cached records carry
 * full IC numbers, phone numbers, emails and bank accounts. AES-256-GCM (Web Crypto), a fresh
 * 96-bit IV per write, the entry's key as additional data — so an entry copied to another key
 * does not open — and the key id in front, for rotation:
 *
 *   CACHE_ENCRYPTION_KEYS="k2:<base64 of 32 bytes>,k1:<base64 of 32 bytes>"
 *
 * The first key seals; every listed key opens. To rotate, put a new key first, deploy, and drop
 * the old one once the longest TTL (300 s) has passed: entries sealed with a key no longer
 * listed, tampered with, or stored in plaintext read as misses. Without keys nothing is sealed
 * (a deployment without Redis, or a local experiment); the local stack always sets one.
 */

/** How a sealed value starts: format version, then key id, IV and ciphertext. */
const PREFIX = "s1.";

export interface Sealer {
  /** The value to store for `key`. */
  close(key: string, plain: string): Promise<string>;
  /** The plain value, or undefined when it does not open (unknown key, tampered, plaintext). */
  open(key: string, stored: string): Promise<string | undefined>;
}

const text = new TextEncoder();
/** Base64 in chunks: spreading a large array into one call would overflow the stack. */
function b64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}
function unb64(s: string) {
  const bin = atob(s);
  // On its own ArrayBuffer: Web Crypto takes no view of a SharedArrayBuffer.
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Parses `CACHE_ENCRYPTION_KEYS`; throws on a malformed list (checked once, at start). */
export function parseKeys(
  spec: string | undefined,
): Array<{ id: string; raw: ReturnType<typeof unb64> }> {
  if (!spec?.trim()) return [];
  return spec.split(",").map((item) => {
    const [id, value, extra] = item.trim().split(":");
    if (!id || !/^[A-Za-z0-9_-]{1,16}$/.test(id) || !value || extra !== undefined) {
      throw new Error("CACHE_ENCRYPTION_KEYS: use id:base64key[,id:base64key…]");
    }
    let raw;
    try {
      raw = unb64(value);
    } catch {
      throw new Error(`CACHE_ENCRYPTION_KEYS: key ${id} is not base64`);
    }
    if (raw.length !== 32) throw new Error(`CACHE_ENCRYPTION_KEYS: key ${id} is not 32 bytes`);
    return { id, raw };
  });
}

/** Builds the sealer once per isolate (importing keys is async). */
export async function createSealer(spec: string | undefined): Promise<Sealer> {
  const parsed = parseKeys(spec);
  if (!parsed.length) {
    return {
      close: (_key, plain) => Promise.resolve(plain),
      open: (_key, stored) => Promise.resolve(stored),
    };
  }
  const keys = new Map<string, CryptoKey>();
  for (const { id, raw } of parsed) {
    keys.set(
      id,
      await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]),
    );
  }
  const current = parsed[0].id;
  return {
    async close(key, plain) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: text.encode(key) },
        keys.get(current)!,
        text.encode(plain),
      );
      return `${PREFIX}${current}.${b64(iv)}.${b64(new Uint8Array(sealed))}`;
    },
    async open(key, stored) {
      if (!stored.startsWith(PREFIX)) return undefined;
      const [id, iv, body] = stored.slice(PREFIX.length).split(".");
      const cryptoKey = keys.get(id);
      if (!cryptoKey || !iv || !body) return undefined;
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: unb64(iv), additionalData: text.encode(key) },
          cryptoKey,
          unb64(body),
        );
        return new TextDecoder().decode(plain);
      } catch {
        return undefined;
      }
    },
  };
}
