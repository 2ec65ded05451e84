// Findings of conformance mode: appended as JSON lines by the test workers, rendered into one
// readable report (grouped by operation, each with a curl that reproduces it) by the global
// teardown. Everything is scrubbed on the way in: no API key, no temporary password.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { hideTemporaryPasswords } from "../harness/prism.ts";

export interface Finding {
  /** operationId, or "(run)" for what concerns the whole run. */
  operation: string;
  /** Short name of the check that failed, e.g. "limit is respected". */
  check: string;
  detail: string;
  /** Reproduces it against the server itself; the key is $ARIZE_API_KEY. */
  curl?: string | undefined;
}
type Line = ({ type: "finding" } & Finding) | { type: "skipped"; check: string };

export interface Request { method: string; url: string; headers: Record<string, string>; body?: string | undefined }

/** Removes the key (shown as $ARIZE_API_KEY), any extra secrets, and temporary passwords. */
export function scrub(text: string, key = process.env.ARIZE_API_KEY ?? "", secrets: Iterable<string> = []): string {
  let out = hideTemporaryPasswords(text);
  for (const s of secrets) if (s) out = out.split(s).join("[REDACTED]");
  return key ? out.split(key).join("$ARIZE_API_KEY") : out;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A curl command for a request, the key replaced by "$ARIZE_API_KEY" (double quotes: the shell expands it). */
export function curlFor(req: Request, key = process.env.ARIZE_API_KEY ?? ""): string {
  const parts = ["curl -sS -i", "-X", req.method, quote(req.url)];
  for (const [name, value] of Object.entries(req.headers)) {
    if (key && value.includes(key)) parts.push("-H", `"${name}: ${value.split(key).join("$ARIZE_API_KEY")}"`);
    else parts.push("-H", quote(`${name}: ${value}`));
  }
  if (req.body !== undefined) parts.push("--data-raw", quote(req.body));
  return scrub(parts.join(" "), key);
}

export function appendFinding(file: string, finding: Finding): void {
  const line: Line = { type: "finding", ...finding, detail: scrub(finding.detail), curl: finding.curl && scrub(finding.curl) };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

export function appendSkipped(file: string, check: string): void {
  appendFileSync(file, `${JSON.stringify({ type: "skipped", check } satisfies Line)}\n`);
}

export function readFindings(file: string): { findings: Finding[]; skipped: string[] } {
  const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Line) : [];
  return {
    findings: lines.flatMap((l) => (l.type === "finding" ? [{ operation: l.operation, check: l.check, detail: l.detail, curl: l.curl }] : [])),
    skipped: [...new Set(lines.flatMap((l) => (l.type === "skipped" ? [l.check] : [])))],
  };
}

export interface ReportInput {
  upstream: string;
  runId: string;
  writes: boolean;
  findings: Finding[];
  skipped: string[];
  coverage?: string | undefined;
  /** Stopped by a signal: the verdict cannot be PASS. */
  interrupted?: boolean;
  seconds: number;
}

/** The readable report: verdict, findings grouped by operation, what was skipped, coverage. */
export function renderReport(r: ReportInput): string {
  const verdict = r.interrupted ? `INTERRUPTED: incomplete run, ${r.findings.length} finding(s) so far`
    : r.findings.length === 0 ? "PASS: nothing found" : `FAIL: ${r.findings.length} finding(s)`;
  const out = [
    "# Conformance report",
    "",
    `- server: ${r.upstream}`,
    `- run id: ${r.runId}`,
    `- writes: ${r.writes ? "allowed (CONTRACT_ALLOW_WRITES=1); only users with the run id in their email were touched" : "not allowed (read-only run)"}`,
    `- duration: ${r.seconds.toFixed(1)} s`,
    `- verdict: **${verdict}**`,
    "",
  ];
  const byOp = new Map<string, Finding[]>();
  for (const f of r.findings) byOp.set(f.operation, [...(byOp.get(f.operation) ?? []), f]);
  for (const [op, list] of [...byOp].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`## ${op} (${list.length})`, "");
    list.forEach((f, i) => {
      out.push(`### ${i + 1}. ${f.check}`, "", f.detail, "");
      if (f.curl) out.push("```sh", f.curl, "```", "");
    });
  }
  if (r.skipped.length) {
    out.push("## Skipped", "", "Not run because writes were not allowed (set CONTRACT_ALLOW_WRITES=1):", "", ...r.skipped.map((s) => `- ${s}`), "");
  }
  if (r.coverage) out.push("## Coverage", "", r.coverage, "");
  return scrub(out.join("\n"));
}
