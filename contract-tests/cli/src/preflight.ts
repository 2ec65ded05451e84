// Preflight: before the engine (and vitest) start, make sure there is a users API at the base URL
// that takes the key. Each failure is a SetupError with one line naming the cause and the fix.
import { lookup } from "node:dns/promises";
import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { SetupError } from "./args.ts";

/** The base URL, parsed; refuses what is not an http(s) URL. */
export function normalizeBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SetupError(`the base URL ${JSON.stringify(raw)} is not a URL; expected http(s)://host[:port][/prefix]`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new SetupError(`the base URL must start with http:// or https://, got ${JSON.stringify(raw)}`);
  if (url.username || url.password)
    throw new SetupError("the base URL must not carry credentials; the key goes in ARIZE_API_KEY");
  if (url.search || url.hash)
    throw new SetupError(`the base URL must not carry a query or fragment, got ${JSON.stringify(raw)}`);
  return url;
}

/** The URL as printed and passed to the engine: no trailing slash (the engine appends /v2/…). */
export const baseString = (url: URL): string => `${url.origin}${url.pathname.replace(/\/+$/, "")}`;

const code = (err: unknown): string => {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code ?? "";
};

/** DNS, then TCP (and TLS for https), each within `seconds`. */
async function reach(url: URL, seconds: number): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const where = `${host}:${port}`;
  await lookup(host).catch((err) => {
    throw new SetupError(
      `cannot resolve the host ${JSON.stringify(host)} (DNS: ${code(err) || (err as Error).message}); check the host name in the base URL`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    const tls = url.protocol === "https:";
    const socket: Socket = tls
      ? tlsConnect({ host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host })
      : tcpConnect({ host, port });
    const timer = setTimeout(
      () =>
        fail(
          new SetupError(
            `no ${tls ? "TLS " : ""}connection to ${where} within ${seconds} s; check the host, the port and any firewall`,
          ),
        ),
      seconds * 1000,
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once(tls ? "secureConnect" : "connect", () => {
      clearTimeout(timer);
      socket.end();
      socket.destroy();
      resolve();
    });
    socket.once("error", (err) => {
      const c = code(err);
      if (c === "ECONNREFUSED")
        return fail(
          new SetupError(`nothing listens at ${where} (connection refused); is the server running, is the port right?`),
        );
      if (tls && (socket.connecting === false || /CERT|TLS|SSL|SELF_SIGNED|EPROTO/.test(c))) {
        return fail(
          new SetupError(
            `the TLS handshake with ${where} failed (${c || err.message}); check the certificate (NODE_EXTRA_CA_CERTS) or use http://`,
          ),
        );
      }
      fail(new SetupError(`cannot connect to ${where} (${c || err.message})`));
    });
  });
}

/** Runs every preflight step; resolves when the engine may start. */
export async function preflight(raw: string, apiKey: string, seconds: number): Promise<URL> {
  const url = normalizeBaseUrl(raw);
  const base = baseString(url);
  await reach(url, seconds);
  const probe = `${base}/v2/users?limit=1`;
  let res: Response;
  try {
    res = await fetch(probe, {
      headers: { Authorization: `Bearer ${apiKey}`, Accept: "application/json" },
      signal: AbortSignal.timeout(seconds * 1000),
    });
    await res.arrayBuffer(); // the answer must arrive in full, within the same time
  } catch (err) {
    if ((err as Error).name === "TimeoutError") {
      throw new SetupError(
        `${url.host} accepted the connection but sent no HTTP answer to GET ${probe} within ${seconds} s; is this the API (not a stalled proxy)?`,
      );
    }
    throw new SetupError(`GET ${probe} failed: ${code(err) || (err as Error).message}`);
  }
  if (res.status === 401 || res.status === 403)
    throw new SetupError(`the API key was refused (${res.status}) by ${base}; check ARIZE_API_KEY`);
  if (res.status === 404 || res.status === 405) {
    throw new SetupError(
      `no users API at ${base}: GET /v2/users answered ${res.status}; check the base URL (its path prefix)`,
    );
  }
  const type = res.headers.get("content-type") ?? "";
  if (res.ok && !/json/i.test(type)) {
    throw new SetupError(
      `no users API at ${base}: GET /v2/users answered ${res.status} with ${type || "no content type"}, not JSON; check the base URL`,
    );
  }
  // Anything else (a 5xx, a 429, a malformed body) is for the checks to report, not a setup error.
  return url;
}
