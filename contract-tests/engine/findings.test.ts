// Findings must be safe (no key, no temporary password anywhere), grouped into distinct
// problems, reproducible (the curl, run by bash against a local server, sends the same request)
// and readable (a short Markdown report; JUnit XML that parses back).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { check } from "./checks.ts";
import {
  curlFor,
  groupFindings,
  readFindingsJson,
  redactFinding,
  renderJunit,
  renderMarkdown,
  toFinding,
  writeFindingsJson,
  type Finding,
  type FindingsRun,
} from "./findings.ts";
import { responseSpec, runResponseChecks } from "./response-checks.ts";
import type { Exchange, Failure, WireRequest } from "./runner.ts";
import { loadApi } from "./spec.ts";

const KEY = "ak-9f8e7d6c5b4a'$HOME\"x"; // quotes and a $ on purpose: the shell must not touch it
const PASSWORD = "Tmp-Pa55word!";
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "findings-test-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const exchange = (over: Partial<Exchange> = {}): Exchange => ({
  request: {
    method: "POST",
    url: "http://127.0.0.1:9/v2/users",
    headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
    body: '{"email":"a@example.com"}',
  },
  status: 201,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ id: "VXNlcjox", temporary_password: PASSWORD, note: "x".repeat(2000) }),
  json: undefined,
  ...over,
});
const failure = (over: Partial<Failure> = {}): Failure => ({
  check: "response_schema",
  operation: "createUser",
  message: `body.status must be one of …; key ${KEY}, password ${PASSWORD}`,
  where: "body.status",
  exchange: exchange(),
  seed: 42,
  replayPath: "3:0",
  shrunk: true,
  count: 1,
  atMs: 10,
  ...over,
});
const finding = (over: Partial<Failure> = {}) =>
  toFinding(failure(over), check(over.check ?? "response_schema"), { apiKey: KEY, secrets: [PASSWORD] });

const run = (findings: Finding[], over: Partial<FindingsRun> = {}): FindingsRun => ({
  version: 2,
  target: "live",
  server: "http://127.0.0.1:9",
  runId: "r1",
  seed: 42,
  budget: 50,
  writes: true,
  startedAt: "2026-11-28T05:00:00Z",
  seconds: 12.5,
  requests: 400,
  cases: 300,
  checks: ["no_server_error", "response_schema", "status_documented"]
    .map((id) => ({ ...check(id), operations: ["createUser", "listUsers"], ran: true }))
    .concat([{ ...check("create_idempotent"), operations: ["createUser"], ran: false }]),
  skipped: [],
  findings,
  groups: groupFindings(findings),
  constraints: [],
  scenarios: [],
  ...over,
});

/** A finding as every output shows it: itself, findings.json (written and read back), Markdown, JUnit. */
const everyRendering = (f: Finding) => {
  const dir = tempDir();
  const written = run([f]);
  writeFindingsJson(dir, written);
  return {
    finding: JSON.stringify(f),
    json: JSON.stringify(readFindingsJson(dir)),
    md: renderMarkdown(written),
    junit: renderJunit(written),
  };
};
const expectNoSecretIn = (texts: Record<string, string>) => {
  for (const [name, text] of Object.entries(texts)) {
    expect(text.includes(KEY), `${name} shows the key`).toBe(false);
    expect(text.includes(PASSWORD), `${name} shows the password`).toBe(false);
  }
};

describe("redaction", () => {
  it("no key and no temporary password in the finding, findings.json, Markdown, JUnit or curl", () => {
    const f = finding();
    expectNoSecretIn({ ...everyRendering(f), curl: f.curl ?? "" });
    expect(f.request?.headers.Authorization).toBe("Bearer $ARIZE_API_KEY");
    expect(f.message).toContain("key $ARIZE_API_KEY, password [REDACTED]");
    expect(f.curl).toContain(`'Authorization: Bearer '"$ARIZE_API_KEY"`);
    expect(f.response?.body.length).toBeLessThanOrEqual(600);
    expect(f.response?.body).toMatch(/"temporary_password":"\[REDACTED\]".*…$/);
  });

  it("a key short enough to occur in field names renames none: only values are redacted", () => {
    const f = toFinding(failure(), check("response_schema"), { apiKey: "e" });
    expect(Object.keys(f)).toEqual(expect.arrayContaining(["check", "severity", "operation", "message", "request"]));
    expect(f.check).toBe("r$ARIZE_API_KEYspons$ARIZE_API_KEY_sch$ARIZE_API_KEYma");
    expect(Object.keys(f.request?.headers ?? {})).toContain("Authorization");
  });

  it("a password at the excerpt's edge is redacted before the cut, never half-shown", () => {
    const body = `${"y".repeat(590)}${PASSWORD}${"z".repeat(50)}`;
    const f = redactFinding(
      { ...finding(), response: { status: 200, headers: {}, body } },
      { apiKey: KEY, secrets: [PASSWORD] },
    );
    expect(f.response?.body).not.toContain(PASSWORD.slice(0, 6));
  });
});

describe("a finding from a sequence of operations: its clause and its steps", () => {
  const wire = (method: string, path: string, body?: string): WireRequest => ({
    method,
    url: `http://127.0.0.1:9${path}`,
    headers: { Authorization: `Bearer ${KEY}`, ...(body && { "Content-Type": "application/json" }) },
    ...(body !== undefined && { body }),
  });
  const steps = [
    {
      label: "create(temporary_password, member)",
      request: wire("POST", "/v2/users", '{"name":"A","email":"a@example.com"}'),
      status: 201,
    },
    {
      label: "update(#1: name)",
      request: wire("PATCH", "/v2/users/VXNlcjox", `{"name":"B","temporary_password":"${PASSWORD}"}`),
      status: 200,
    },
    { label: "list()", request: wire("GET", "/v2/users?email=a%40example.com"), status: 200 },
  ];
  const sequence = () =>
    finding({
      check: "get_matches_list",
      operation: "listUsers",
      message: 'list() shows VXNlcjox otherwise than get does: name: expected "B", got "A".',
      where: undefined,
      exchange: exchange({ request: steps[2]!.request, status: 200, body: '{"users":[]}' }),
      replayPath: "4:1:0",
      clause: "get_matches_list.same_fields",
      steps,
    } as Partial<Failure>);

  it("keeps the clause and every step as data, each with a curl; no key, no temporary password", () => {
    const f = sequence();
    expect(f.clause).toBe("get_matches_list.same_fields");
    expect(f.steps?.map((s) => [s.label, s.request.method, s.status])).toEqual([
      ["create(temporary_password, member)", "POST", 201],
      ["update(#1: name)", "PATCH", 200],
      ["list()", "GET", 200],
    ]);
    expect(f.steps?.[0]?.request.headers.Authorization).toBe("Bearer $ARIZE_API_KEY");
    expect(f.steps?.[1]?.curl).toMatch(
      /^curl -sS -i -g -X 'PATCH' 'http:\/\/127\.0\.0\.1:9\/v2\/users\/VXNlcjox' -H 'Authorization: Bearer '"\$ARIZE_API_KEY"/,
    );
    const texts = everyRendering(f);
    expectNoSecretIn(texts);
    expect((JSON.parse(texts.json) as FindingsRun).findings[0]?.steps).toHaveLength(3);
  });

  it("conformance.md shows the clause and the sequence as numbered steps, each with its curl, the seed and the path", () => {
    const md = renderMarkdown(run([sequence()]));
    expect(md).toContain("`get_matches_list` (clause `get_matches_list.same_fields`), error, 1 case(s).");
    expect(md).toContain("The sequence that shows it (3 steps, shrunk by fast-check; seed 42, case path 4:1:0):");
    expect(md).toMatch(/\n1\. `create\(temporary_password, member\)` → 201\n\n {3}```sh\n {3}curl -sS -i -g -X 'POST'/);
    expect(md).toMatch(/\n2\. `update\(#1: name\)` → 200\n/);
    expect(md).toMatch(/\n3\. `list\(\)` → 200\n\n {3}```sh\n {3}curl .*email=a%40example\.com/);
    expect(md.match(/curl -sS/g), "one curl per step, no extra one").toHaveLength(3);
    expect(md).toContain("(case path 4:1:0, shrunk)");
  });

  it("a finding without steps renders as before: no sequence, its one curl", () => {
    const md = renderMarkdown(run([finding()]));
    expect(md).not.toContain("The sequence that shows it");
    expect(md).not.toContain("(clause");
    expect(md.match(/curl -sS/g)).toHaveLength(1);
  });
});

describe("curl reproduces the request", () => {
  let server: Server;
  let base = "";
  const seen: { method?: string; url?: string; headers: IncomingMessage["headers"]; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        });
        res.end("ok");
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err) => reject(new Error(`test server could not start on 127.0.0.1: ${err.message}`)));
      server.listen(0, "127.0.0.1", resolve); // port 0: a free one; listening = ready
    });
    const addr = server.address();
    if (!addr || typeof addr === "string") throw new Error("test server has no port");
    base = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  const viaCurl = async (req: WireRequest) => {
    seen.length = 0;
    const cmd = curlFor(req, KEY);
    await promisify(execFile)("bash", ["-c", cmd], { env: { ...process.env, ARIZE_API_KEY: KEY }, timeout: 10_000 });
    expect(seen, `the server saw no request from: ${cmd}`).toHaveLength(1);
    return seen[0]!;
  };

  it("method, path, query (%, +, unicode, brackets), headers with the key from the environment, and a body with ' % + é", async () => {
    const body = `{"name":"O'Brien 100% + more é ✓ \`x\` $HOME \\"q\\""}`;
    const req: WireRequest = {
      method: "PATCH",
      url: `${base}/v2/users/a%2Fb?email=50%25%2Boff&q=caf%C3%A9&raw=ü+x&list[]={1}`,
      headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json", "X-Empty": "" },
      body,
    };
    const got = await viaCurl(req);
    const sent = new URL(req.url);
    expect(got.method).toBe("PATCH");
    expect(got.url).toBe(sent.pathname + sent.search); // what fetch would have sent
    expect(got.url).toContain("email=50%25%2Boff");
    expect(got.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["x-empty"]).toBe("");
    expect(got.body).toBe(body);
  });

  it("a GET without a body, and a bare string body labelled as fetch labels it", async () => {
    expect(await viaCurl({ method: "GET", url: `${base}/v2/users?limit=2`, headers: {} })).toMatchObject({
      method: "GET",
      url: "/v2/users?limit=2",
      body: "",
    });
    const got = await viaCurl({ method: "POST", url: `${base}/x`, headers: {}, body: "@/etc/passwd" });
    expect(got).toMatchObject({
      body: "@/etc/passwd",
      headers: expect.objectContaining({ "content-type": "text/plain;charset=UTF-8" }),
    });
  });

  it("a relative URL is a clear error", () => {
    expect(() => curlFor({ method: "GET", url: "/v2/users", headers: {} })).toThrow(
      /not an absolute URL: "\/v2\/users"/,
    );
  });
});

describe("grouping and the report of a whole-API fault (upper-case enums)", async () => {
  const api = await loadApi();
  const spec = responseSpec(api);
  const user = (i: number) => ({
    id: `VXNlcjo${i}`,
    name: `User ${i}`,
    email: `u${i}@example.com`,
    created_at: "2024-01-01T12:00:00Z",
    status: "ACTIVE",
    role: { type: "predefined", name: "MEMBER" },
    is_developer: true,
  });
  // 8 pages of 20 users, and 150 single gets: every user's status and role name upper-case.
  const answers: [string, Exchange][] = [
    ...Array.from({ length: 8 }, (_, p): [string, Exchange] => [
      "listUsers",
      exchange({
        request: {
          method: "GET",
          url: `http://127.0.0.1:9/v2/users?limit=20&page=${p}`,
          headers: { Authorization: `Bearer ${KEY}` },
        },
        status: 200,
        body: JSON.stringify({ users: Array.from({ length: 20 }, (_, i) => user(i)), pagination: { has_more: false } }),
      }),
    ]),
    ...Array.from({ length: 150 }, (_, i): [string, Exchange] => [
      "getUser",
      exchange({
        request: {
          method: "GET",
          url: `http://127.0.0.1:9/v2/users/VXNlcjo${i}`,
          headers: { Authorization: `Bearer ${KEY}` },
        },
        status: 200,
        body: JSON.stringify(user(i)),
      }),
    ]),
  ];
  const findings = answers.flatMap(([op, x], i) =>
    runResponseChecks(spec, { operationId: op, status: x.status, headers: x.headers, body: x.body }).map((v) =>
      toFinding(
        {
          check: v.check,
          operation: op,
          message: v.message,
          where: v.where,
          exchange: x,
          seed: 7,
          replayPath: String(i),
          shrunk: false,
          count: 1,
          atMs: i,
        },
        check(v.check),
        { apiKey: KEY },
      ),
    ),
  );

  it("hundreds of findings, four problems: indexes collapsed, counts summed", () => {
    expect(findings.length).toBe(8 * 20 * 2 + 150 * 2);
    const groups = groupFindings(findings);
    expect(groups.map((g) => [g.key, g.count])).toEqual([
      ["response_schema|listUsers|body.users[].role.name", 160],
      ["response_schema|listUsers|body.users[].status", 160],
      ["response_schema|getUser|body.role.name", 150],
      ["response_schema|getUser|body.status", 150],
    ]);
    expect(groups[0]?.first.atMs).toBe(0);
    expect(
      groupFindings([
        { ...findings[0]!, count: 5 },
        { ...findings[0]!, count: 2 },
      ])[0]?.count,
    ).toBe(7);
  });

  it("the Markdown report is short: verdict, a table of problems, each once with replay and one curl", () => {
    const md = renderMarkdown(run(findings), ["| status | hits |\n| --- | --- |\n| 200 | 158 |"]);
    const lines = md.split("\n");
    expect(lines.length).toBeLessThan(150);
    expect(lines[2]).toBe("**FAIL**: 4 distinct problem(s), seen in 620 case(s).");
    expect(md).toContain("| 1 | response_schema | listUsers | body.users[].role.name | 160 |");
    expect(md.match(/^## \d+\. /gm)).toHaveLength(4);
    expect(md.match(/^curl /gm)).toHaveLength(4);
    expect(md).toContain("Replay: `arize-users-conformance --base-url http://127.0.0.1:9 --seed 7 --allow-writes`");
    expect(md).toContain(
      "(from a clone: `CONTRACT_SEED=42 CONTRACT_BASE_URL=http://127.0.0.1:9 CONTRACT_ALLOW_WRITES=1 npm run contract`)",
    );
    expect(md).toMatch(/## Skipped\n\n- create_idempotent: /);
    expect(md).toMatch(/## Coverage\n\n\| status \| hits \|/);
    writeFileSync(join(tempDir(), "conformance.md"), md);
  });

  it("verdicts: PASS with no findings, INTERRUPTED when cut short", () => {
    expect(renderMarkdown(run([])).split("\n")[2]).toBe("**PASS**: no problem found.");
    expect(renderMarkdown(run(findings, { interrupted: true })).split("\n")[2]).toMatch(
      /^\*\*INTERRUPTED\*\*: incomplete run/,
    );
  });
});

// A strict little XML reader (enough for JUnit): nesting, quoted attributes, only the five entities, no control characters.
interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}
function parseXml(text: string): El {
  const decode = (s: string) => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a control character XML forbids must fail the parse
    if (/&(?!(amp|lt|gt|quot|apos);)|[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(s))
      throw new Error(`bad text: ${s.slice(0, 80)}`);
    return s.replace(
      /&(amp|lt|gt|quot|apos);/g,
      (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" })[e]!,
    );
  };
  let i = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(text)?.[0].length ?? 0;
  const element = (): El => {
    const m = /^<([A-Za-z][\w.-]*)((?:\s+[A-Za-z][\w.-]*="[^"<]*")*)\s*(\/?)>/.exec(text.slice(i));
    if (!m) throw new Error(`not a tag at ${i}: ${text.slice(i, i + 60)}`);
    i += m[0].length;
    const attrs = Object.fromEntries([...m[2]!.matchAll(/([\w.-]+)="([^"]*)"/g)].map((a) => [a[1]!, decode(a[2]!)]));
    const el: El = { name: m[1]!, attrs, children: [], text: "" };
    if (m[3]) return el;
    for (;;) {
      const lt = text.indexOf("<", i);
      if (lt < 0) throw new Error(`<${el.name}> is never closed`);
      el.text += decode(text.slice(i, lt));
      i = lt;
      if (text.startsWith(`</${el.name}>`, i)) {
        i += el.name.length + 3;
        return el;
      }
      el.children.push(element());
    }
  };
  const root = element();
  if (text.slice(i).trim()) throw new Error(`content after the root element: ${text.slice(i, i + 60)}`);
  return root;
}

describe("JUnit", () => {
  it("a suite per operation, a testcase per (check, operation) that ran, a failure per problem; escaped", () => {
    const nasty = finding({ operation: "createUser", message: `<b>&"it's"</b> \u0001 bell`, where: "body.<x>" });
    const other = finding({ check: "no_server_error", operation: "listUsers", where: "status 500" });
    const root = parseXml(renderJunit(run([nasty, nasty, other, finding({ where: "body.name" })])));
    expect(root.name).toBe("testsuites");
    expect(root.attrs).toMatchObject({ tests: "6", failures: "2" });
    expect(root.children.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures])).toEqual([
      ["createUser", "3", "1"],
      ["listUsers", "3", "1"],
    ]);
    const failed = root.children[0]!.children.find((c) => c.children.length)!;
    expect(failed.attrs.name).toMatch(/^response_schema: /);
    expect(failed.children.map((x) => x.attrs.message)).toEqual([
      "the body matches the documented schema: 2 case(s) at body.<x>",
      "the body matches the documented schema: 1 case(s) at body.name",
    ]);
    expect(failed.children[0]!.text).toContain(`<b>&"it's"</b> \uFFFD bell`);
  });

  it('no findings: failures="0"', () => {
    const root = parseXml(renderJunit(run([])));
    expect(root.attrs).toMatchObject({ tests: "6", failures: "0" });
    expect(
      root.children.every((s) => s.attrs.failures === "0" && s.children.every((c) => c.children.length === 0)),
    ).toBe(true);
  });
});

describe("findings.json", () => {
  it("round-trips, and a missing or broken file is a clear error", () => {
    const dir = tempDir();
    const written = run([finding()]);
    writeFindingsJson(dir, written);
    expect(readFindingsJson(dir)).toEqual(written);
    expect(written.groups).toHaveLength(1);
    expect(() => readFindingsJson(join(dir, "nowhere"))).toThrow(/no findings\.json in .*nowhere/);
    writeFileSync(join(dir, "findings.json"), "{oops");
    expect(() => readFindingsJson(dir)).toThrow(/findings\.json is not valid JSON/);
    writeFileSync(join(dir, "findings.json"), '{"version":1,"findings":[]}');
    expect(() => readFindingsJson(dir)).toThrow(/not a version 2 findings file \(version 1\)/);
  });
});
