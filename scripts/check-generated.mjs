// npm run check:generated: openapi-typescript --check and src/version.ts against package.json;
// when either is stale, what to do and the diff. The diff of generated/ comes from the real CLI:
// regenerate, compare, put the old file back.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseYaml } from "@redocly/openapi-core";
import { expectedVersionModule, VERSION_FILE } from "./version.mjs";

// The project's openapi-typescript; it reads redocly.yaml from the working directory.
const cli = [fileURLToPath(new URL("../node_modules/openapi-typescript/bin/cli.js", import.meta.url))];
const run = (args, stdio = "pipe") => spawnSync(process.execPath, [...cli, ...args], { stdio, encoding: "utf8" });

const RUN_GENERATE = "Run `npm run generate`, then commit the spec, generated/ and src/version.ts together.";

// The version: one place (package.json); src/version.ts is its generated copy.
const versionText = expectedVersionModule();
const versionStale = !existsSync(VERSION_FILE) || readFileSync(VERSION_FILE, "utf8") !== versionText;
if (versionStale) {
  console.error(`${VERSION_FILE} does not match package.json's version; it should read:\n\n${versionText}`);
}

if (run(["--check"], "inherit").status === 0) {
  if (versionStale) console.error(RUN_GENERATE);
  process.exit(versionStale ? 1 : 0);
}

// The outputs redocly.yaml names (x-openapi-ts), e.g. generated/users.ts.
const outputs = Object.values(parseYaml(readFileSync("redocly.yaml", "utf8")).apis ?? {})
  .map((api) => api["x-openapi-ts"]?.output)
  .filter(Boolean);
const before = new Map(outputs.map((file) => [file, readFileSync(file, "utf8")]));
const dir = mkdtempSync(join(tmpdir(), "check-generated-"));
try {
  const regenerated = run([]);
  if (regenerated.status !== 0) {
    console.error(`openapi-typescript could not generate from the spec:\n${regenerated.stdout}${regenerated.stderr}`);
  } else {
    for (const [file, text] of before) {
      const old = join(dir, "old.ts");
      writeFileSync(old, text);
      const diff = spawnSync("git", ["diff", "--no-index", "--no-color", "--", old, file], { encoding: "utf8" }).stdout;
      const lines = diff.split("\n").slice(4); // drop the temp-file header lines
      console.error(`\n${file} is out of date with the spec. What \`npm run generate\` would change:\n`);
      console.error(
        lines.slice(0, 120).join("\n") + (lines.length > 120 ? `\n… ${lines.length - 120} more lines` : ""),
      );
    }
  }
  console.error(`\n${RUN_GENERATE}`);
} finally {
  for (const [file, text] of before) writeFileSync(file, text);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(1);
