// npm run check:generated on a stale generated/ or src/version.ts: exit 1, what to run, the diff,
// and no file changed.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseYaml, stringifyYaml } from "@redocly/openapi-core";
import { afterAll, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "check-generated-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const check = () =>
  spawnSync(process.execPath, [join(root, "scripts/check-generated.mjs")], { cwd: dir, encoding: "utf8" });

it("passes on the project's own files, and on a stale copy says what to run and shows the diff", () => {
  for (const path of ["redocly.yaml", "openapi", "generated", "package.json", "src/version.ts"])
    cpSync(join(root, path), join(dir, path), { recursive: true });
  expect(check().status).toBe(0);

  // Every schema's description changed (parsed and rewritten: no line of the spec's text assumed).
  const spec = join(dir, "openapi/users.yaml");
  const doc = parseYaml(readFileSync(spec, "utf8")) as {
    components: { schemas: Record<string, { description?: string }> };
  };
  for (const schema of Object.values(doc.components.schemas)) schema.description = "Changed by the test.";
  writeFileSync(spec, stringifyYaml(doc));
  const stale = readFileSync(join(dir, "generated/users.ts"), "utf8");

  const r = check();
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("Run `npm run generate`, then commit the spec, generated/ and src/version.ts together.");
  expect(r.stderr).toMatch(/^\+ +\/\*\* @description Changed by the test\. \*\/$/m);
  expect(r.stderr).toMatch(/^- +\/\*\* @description /m);
  expect(readFileSync(join(dir, "generated/users.ts"), "utf8")).toBe(stale); // the check changes nothing
}, 60_000);

it("fails when src/version.ts and package.json's version disagree, saying what to run", () => {
  const copy = mkdtempSync(join(dir, "version-"));
  for (const path of ["redocly.yaml", "openapi", "generated", "package.json", "src/version.ts"])
    cpSync(join(root, path), join(copy, path), { recursive: true });
  const run = () =>
    spawnSync(process.execPath, [join(root, "scripts/check-generated.mjs")], { cwd: copy, encoding: "utf8" });
  expect(run().status).toBe(0);

  const pkg = JSON.parse(readFileSync(join(copy, "package.json"), "utf8")) as { version: string };
  writeFileSync(join(copy, "package.json"), JSON.stringify({ ...pkg, version: "9.8.7" }));
  const r = run();
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("src/version.ts does not match package.json's version");
  expect(r.stderr).toContain('export const VERSION = "9.8.7";');
  expect(r.stderr).toContain("Run `npm run generate`");
  expect(readFileSync(join(copy, "src/version.ts"), "utf8")).toContain(`"${pkg.version}"`); // the check changes nothing

  // What `npm run generate` (and `npm version`) runs puts it right.
  expect(spawnSync(process.execPath, [join(root, "scripts/version.mjs")], { cwd: copy }).status).toBe(0);
  expect(run().status).toBe(0);
}, 60_000);
