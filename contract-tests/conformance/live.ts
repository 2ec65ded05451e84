// Conformance mode, main-process side (called from the global setup when CONTRACT_BASE_URL is
// set): the recording tap Prism's proxy forwards to, the run id that marks the users this run
// creates, their deletion at the end (also on SIGINT/SIGTERM), and the report.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { appendFinding, readFindings, renderReport } from "./findings.ts";
import { startTap } from "./tap.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Conformance mode: the tap that keeps the server's own responses ("" in mock mode). */
    tapUrl: string;
    /** Conformance mode: marks every user this run creates (in its email); "" in mock mode. */
    runId: string;
    /** Conformance mode: JSON lines of findings and skipped checks ("" in mock mode). */
    findingsFile: string;
    /** Conformance mode: JSON lines of the ids of users this run created ("" in mock mode). */
    createdFile: string;
  }
}

/** Where reports go: CONTRACT_REPORT_DIR (so parallel runs keep apart) or reports/. */
export const reportDir = (): string =>
  process.env.CONTRACT_REPORT_DIR ? resolve(process.env.CONTRACT_REPORT_DIR) : fileURLToPath(new URL("../../reports/", import.meta.url));

export const writesAllowed = (): boolean => process.env.CONTRACT_ALLOW_WRITES === "1";

export interface Live {
  tapUrl: string;
  provided: { tapUrl: string; runId: string; findingsFile: string; createdFile: string };
  /** Deletes what the run created, writes and prints the report; sets a failing exit code on findings. */
  finish(coverage?: string): Promise<void>;
  /** The run never started (Prism failed): stop the tap, forget the files. */
  abort(): Promise<void>;
}

export async function startLive(upstream: string): Promise<Live> {
  const key = process.env.ARIZE_API_KEY ?? "";
  if (!key.trim()) throw new Error("conformance mode: CONTRACT_BASE_URL is set but ARIZE_API_KEY is empty; export the key of the server under test");
  const started = Date.now();
  const runId = `cm${started.toString(36)}${randomBytes(3).toString("hex")}`;
  const dir = mkdtempSync(join(tmpdir(), "arize-conformance-"));
  const findingsFile = join(dir, "findings.jsonl");
  const createdFile = join(dir, "created.jsonl");
  const tap = await startTap(upstream);

  let finished: Promise<void> | undefined;
  const finish = (coverage?: string) => (finished ??= (async () => {
    await tap.stop();
    if (writesAllowed()) await cleanup(upstream, key, runId, createdFile, findingsFile);
    const { findings, skipped } = readFindings(findingsFile);
    const report = renderReport({ upstream, runId, writes: writesAllowed(), findings, skipped, coverage, seconds: (Date.now() - started) / 1000 });
    mkdirSync(reportDir(), { recursive: true });
    writeFileSync(join(reportDir(), "conformance.md"), report);
    console.log(`\n${report}\nReport written to ${join(reportDir(), "conformance.md")}`);
    rmSync(dir, { recursive: true, force: true });
    if (findings.length) process.exitCode = 1;
  })());

  // Interrupted: still delete what we created and write the report, then go.
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      const hard = setTimeout(() => process.exit(130), 20_000);
      void finish().finally(() => {
        clearTimeout(hard);
        process.exit(sig === "SIGINT" ? 130 : 143);
      });
    });
  }
  const abort = async () => {
    finished ??= Promise.resolve();
    await tap.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { tapUrl: tap.url, provided: { tapUrl: tap.url, runId, findingsFile, createdFile }, finish, abort };
}

/** Deletes every user the run created: the recorded ids, then a sweep by run id (a create may have landed unrecorded). */
async function cleanup(upstream: string, key: string, runId: string, createdFile: string, findingsFile: string): Promise<void> {
  const headers = { Authorization: `Bearer ${key}` };
  const call = (path: string, method = "GET") => fetch(upstream + path, { method, headers, signal: AbortSignal.timeout(15_000) });
  const ids = new Set(existsSync(createdFile) ? readFileSync(createdFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as string) : []);
  try {
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const res = await call(`/v2/users?limit=100&email=${encodeURIComponent(runId)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      if (!res.ok) break;
      const body = (await res.json()) as { users?: { id?: string; email?: string }[]; pagination?: { has_more?: boolean; next_cursor?: string } };
      for (const u of body.users ?? []) if (u.id && u.email?.toLowerCase().includes(runId.toLowerCase())) ids.add(u.id);
      if (!body.pagination?.has_more || !body.pagination.next_cursor || body.pagination.next_cursor === cursor) break;
      cursor = body.pagination.next_cursor;
    }
  } catch {
    // The sweep is a safety net; the recorded ids are still deleted below.
  }
  const left: string[] = [];
  for (const id of ids) {
    const res = await call(`/v2/users/${encodeURIComponent(id)}`, "DELETE").catch(() => undefined);
    if (!res || (res.status !== 204 && res.status !== 404)) left.push(`${id} (${res ? res.status : "no answer"})`);
  }
  if (left.length) {
    appendFinding(findingsFile, { operation: "(run)", check: "cleanup", detail: `Could not delete users this run created: ${left.join(", ")}. Delete them by hand (emails contain ${runId}).` });
  }
}
