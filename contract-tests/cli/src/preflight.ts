// Preflight: before the run, make sure there is a users API at the base URL that takes the key.
// Each failure is a SetupError with one line naming the cause and the fix.
import { lookup } from "node:dns/promises";
import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { baseString, inCleartext } from "../../engine/options.ts";
import { INSECURE_HTTP_ENV, SetupError } from "./args.ts";

/** The base URL, parsed; refuses what is not an http(s) URL, and plain http beyond loopback unless allowed. */
export function normalizeBaseUrl(raw: string, allowInsecureHttp = false): URL {
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
  if (inCleartext(url) && !allowInsecureHttp)
    throw new SetupError(
      `refusing http:// to ${url.hostname}, which is not this machine: the API key would travel in cleartext; use https://, or pass --allow-insecure-http (or set ${INSECURE_HTTP_ENV}=1) to send it anyway`,
    );
  return url;
}

const code = (err: unknown): string => {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code ?? "";
};

/** What is wrong with the server's certificate, by Node's error code, and what to do about it. */
const PRIVATE_CA = "to trust a private CA, point NODE_EXTRA_CA_CERTS at its certificate (PEM file)";
function certificateProblem(errorCode: string, host: string): string {
  switch (errorCode) {
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
      return `its certificate is self-signed; ${PRIVATE_CA}`;
    case "SELF_SIGNED_CERT_IN_CHAIN":
      return `its certificate chain ends in a CA Node does not trust; ${PRIVATE_CA}`;
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return `its certificate is issued by a CA Node does not know (or the server leaves out an intermediate certificate); ${PRIVATE_CA}`;
    case "CERT_HAS_EXPIRED":
      return "its certificate has expired; the server needs a new one";
    case "CERT_NOT_YET_VALID":
      return "its certificate is not valid yet; check the server's (or this machine's) clock";
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `its certificate is not issued for ${host}; use the host name the certificate names`;
    default:
      return "does the server speak TLS on this port, with a certificate Node can check?";
  }
}

/** Connects (TLS for https) within `seconds`; every failure is a SetupError naming its cause. */
function connect(url: URL, host: string, port: number, seconds: number): Promise<void> {
  const tls = url.protocol === "https:";
  const where = `${host}:${port}`;
  return new Promise<void>((resolve, reject) => {
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
      if (tls && (socket.connecting === false || /CERT|TLS|SSL|SELF_SIGNED|EPROTO/.test(c)))
        return fail(
          new SetupError(
            `the TLS handshake with ${where} failed (${c || err.message}): ${certificateProblem(c, host)}`,
          ),
        );
      fail(new SetupError(`cannot connect to ${where} (${c || err.message})`));
    });
  });
}

/** DNS, then TCP (and TLS for https), each within `seconds`. */
async function reach(url: URL, seconds: number): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  await lookup(host).catch((err) => {
    throw new SetupError(
      `cannot resolve the host ${JSON.stringify(host)} (DNS: ${code(err) || (err as Error).message}); check the host name in the base URL`,
    );
  });
  await connect(url, host, port, seconds);
}

/** The request the preflight sends: the spec's list operation (a GET, so a read), one user at most. */
export interface Probe {
  /** The list operation's path, e.g. /v2/users. */
  pathTemplate: string;
}

/** One read with the key; its answer must arrive in full within `seconds`. Redirects are not followed. */
async function answerTo(url: string, apiKey: string, seconds: number, host: string): Promise<Response> {
  try {
    const res = await fetch(url, {
      headers: { Authorization: `Bearer ${apiKey}`, Accept: "application/json" },
      redirect: "manual", // the key must not follow a redirect to wherever it points
      signal: AbortSignal.timeout(seconds * 1000),
    });
    await res.arrayBuffer(); // the answer must arrive in full, within the same time
    return res;
  } catch (err) {
    if ((err as Error).name === "TimeoutError")
      throw new SetupError(
        `${host} accepted the connection but sent no HTTP answer to GET ${url} within ${seconds} s; is this the API (not a stalled proxy)?`,
      );
    throw new SetupError(`GET ${url} failed: ${code(err) || (err as Error).message}`);
  }
}

/** Runs every preflight step on a URL normalizeBaseUrl returned; resolves when the run may start. */
export async function preflight(url: URL, apiKey: string, seconds: number, probe: Probe): Promise<void> {
  const base = baseString(url);
  await reach(url, seconds);
  const target = `${base}${probe.pathTemplate}?limit=1`;
  const res = await answerTo(target, apiKey, seconds, url.host);
  const answered = `GET ${probe.pathTemplate} answered ${res.status}`;
  if (res.status === 401 || res.status === 403)
    throw new SetupError(`the API key was refused (${res.status}) by ${base}; check ARIZE_API_KEY`);
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.get("location");
    const to = location && URL.canParse(location, target) ? new URL(location, target).href : "nowhere said";
    throw new SetupError(
      `${base}: ${answered}, a redirect to ${to}; redirects are not followed (the API key would go along): give the base URL of the API itself`,
    );
  }
  if (res.status === 404 || res.status === 405)
    throw new SetupError(`no users API at ${base}: ${answered}; check the base URL (its path prefix)`);
  const type = res.headers.get("content-type") ?? "";
  if (res.ok && !/json/i.test(type))
    throw new SetupError(
      `no users API at ${base}: ${answered} with ${type || "no content type"}, not JSON; check the base URL`,
    );
  // Anything else (a 5xx, a 429, a malformed body) is for the checks to report, not a setup error.
}
