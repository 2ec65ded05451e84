// Ctrl-C on the built command while it runs with writes, against a reference server that is slow
// to answer: the first interrupt stops the run, which deletes the users it created and writes a
// partial report (exit 130); a second one quits at once (exit 130), saying which users may remain.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createReferenceHandler } from "../reference-server/server.ts";
import { CLI, findingsOf, reports, testBed, start } from "./test/support.ts";

const KEY = `cli-key-${randomBytes(8).toString("hex")}`;
const { work, pool, tearDown } = testBed("cli-interrupt-");
afterAll(tearDown);

/** A reference server that waits `delayMs` before each answer, and counts the users it created. */
async function slowServer(delayMs: number) {
  const handler = createReferenceHandler({ apiKey: KEY });
  let created = 0;
  let delay = delayMs;
  const server = await pool.serve((req, res) => {
    if (req.method === "POST" && req.url?.split("?")[0] === "/v2/users")
      res.once("finish", () => (res.statusCode === 201 ? created++ : undefined));
    setTimeout(() => handler(req, res), delay);
  });
  return Object.assign(server, {
    /** From now on, answers wait `ms`. */
    slowDown: (ms: number) => {
      delay = ms;
    },
    created: () => created,
    /** The users whose email carries `runId` (the run's own), as the list's email filter finds them. */
    async usersWith(runId: string): Promise<string[]> {
      for (;;) {
        const res = await fetch(`${server.url}/v2/users?limit=100&email=${runId}`, {
          headers: { Authorization: `Bearer ${KEY}` },
        });
        if (res.status === 429) continue; // the reference server limits every 40th request
        const body = (await res.json()) as { users: { email: string }[] };
        return body.users.map((u) => u.email);
      }
    },
  });
}

async function until(what: string, done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The command with writes against `url`; its stderr so far, to wait on. */
function startRun(url: string, dir: string) {
  const run = start(process.execPath, [CLI, "--base-url", url, "--allow-writes", "--report-dir", dir], {
    cwd: work,
    env: { ARIZE_API_KEY: KEY },
  });
  let stderr = "";
  run.child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return { ...run, stderr: () => stderr };
}

describe("Ctrl-C", () => {
  it("the first: exit 130, every user the run created deleted, a partial report", { timeout: 120_000 }, async () => {
    const server = await slowServer(30);
    const dir = join(work, "once");
    const run = startRun(server.url, dir);
    await until("the run to create 3 users", () => server.created() >= 3);
    run.child.kill("SIGINT");
    const r = await run.result;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(r.stderr).toContain(
      "arize-users-conformance: interrupted: deleting the users this run created, writing a partial report (Ctrl-C again to quit at once)",
    );
    expect(r.stderr).toContain(`arize-users-conformance: interrupted; partial reports in ${dir}`);
    const report = findingsOf(dir);
    expect(report.interrupted).toBe(true);
    expect(
      report.scenarios.filter((s: { skipped?: string }) => s.skipped === "not run: interrupted").length,
    ).toBeGreaterThan(0);
    expect(reports(dir, KEY)).toEqual(expect.arrayContaining(["conformance.md", "findings.json", "run.log"]));
    expect(readFileSync(join(dir, "run.log"), "utf8")).toMatch(new RegExp(`run ${report.runId} interrupted: `));
    expect(server.created()).toBeGreaterThanOrEqual(3);
    expect(await server.usersWith(report.runId), "users left with the run's id").toEqual([]);
  });

  it("the second, while the run cleans up: exit 130 at once, naming the users that may remain", {
    timeout: 120_000,
  }, async () => {
    const server = await slowServer(30);
    const dir = join(work, "twice");
    const run = startRun(server.url, dir);
    await until("the run to create 3 users", () => server.created() >= 3);
    server.slowDown(5_000); // the clean-up's requests now take long
    run.child.kill("SIGINT");
    await until("the first interrupt to be taken", () => run.stderr().includes("interrupted: deleting"));
    const second = Date.now();
    run.child.kill("SIGINT");
    const r = await run.result;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(Date.now() - second, "seconds from the second Ctrl-C to the exit").toBeLessThan(3_000);
    expect(r.stderr).toMatch(
      /^arize-users-conformance: interrupted again: quitting at once; users this run created may remain \(their emails contain cm[0-9a-z]+\)$/m,
    );
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });
});
