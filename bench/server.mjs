// The benchmark's upstream: a keep-alive HTTP server in its own process, answering
// GET /v2/users/{id} with one fixed User (sent by the parent, checked against the spec there).
// Started with fork(); reports { port } over IPC once listening; exits when the parent goes.
import { createServer } from "node:http";

const [, , body, expectedAuth] = process.argv;
if (!body || !expectedAuth) {
  console.error("usage: server.mjs <user-json> <authorization>");
  process.exit(2);
}
const payload = Buffer.from(body);
const prefix = "/v2/users/";

const server = createServer({ keepAlive: true, keepAliveTimeout: 60_000 }, (req, res) => {
  // Refuse what a real API would refuse, so a client sending the wrong thing cannot look fast.
  if (req.method !== "GET" || !req.url?.startsWith(prefix) || req.url.length === prefix.length) {
    res.writeHead(404, { "content-type": "application/problem+json" }).end('{"status":404,"title":"Not Found"}');
    return;
  }
  if (req.headers.authorization !== expectedAuth) {
    res.writeHead(401, { "content-type": "application/problem+json" }).end('{"status":401,"title":"Unauthorized"}');
    return;
  }
  res.writeHead(200, { "content-type": "application/json", "content-length": payload.length }).end(payload);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
// Never outlive the bench: the IPC channel closes when the parent exits, however it exits.
process.on("disconnect", () => process.exit(0));
