/**
 * The caller's address for per-IP rate limits: only what the platform vouches for. On hosted
 * Supabase a request reaches the Edge Runtime through Cloudflare, which sets `cf-connecting-ip`
 * to the address that connected to it (overwriting any value the client sent), and through
 * Supabase's API gateway, which sets `x-real-ip` the same way. `X-Forwarded-For` is not used: its
 * leftmost entry is whatever the client wrote, and each proxy only appends. The local gateway
 * (scripts/stack/gateway.ts) overwrites both headers with the socket's address, as a real proxy
 * does. A request with neither (straight to a function process) is `unknown`.
 */
export const CLIENT_IP_HEADERS = ["cf-connecting-ip", "x-real-ip"] as const;

/** The first vouched-for address among the request's headers, or `unknown`. */
export function clientIp(header: (name: string) => string | undefined | null): string {
  for (const name of CLIENT_IP_HEADERS) {
    const value = header(name)?.trim();
    if (value) return value;
  }
  return "unknown";
}
