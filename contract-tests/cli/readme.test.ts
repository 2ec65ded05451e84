// README.md's TypeScript under "## Conformance command" works as written, for someone who installs
// the command's package: each ```ts block type-checks against the packed arize-users-conformance
// (installed from the tarball into a fresh folder) in a strict nodenext project with @types/node,
// and each runs, transpiled, against the reference server with only ARIZE_API_KEY and
// CONTRACT_BASE_URL in its environment. Each block is compiled and run from a file whose line n is
// README.md's line n, so an error's line is the README's.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startReferenceServer } from "../reference-server/server.ts";
import { atFileLines, typescriptBlocks, type CodeBlock } from "../../test/spec/readme-blocks.ts";
import { runBlock, STRICT_USER_OPTIONS, typeErrors } from "../../test/spec/readme-project.ts";
import { installPacked, ROOT, serverPool } from "./test/support.ts";

const SECTION = "Conformance command";
const blocks = typescriptBlocks(readFileSync(join(ROOT, "README.md"), "utf8")).filter((b) => b.section === SECTION);
const fileOf = (b: CodeBlock) => `readme-block-${b.index}.ts`;
const KEY = `readme-key-${randomBytes(8).toString("hex")}`;
const app = mkdtempSync(join(tmpdir(), "cli-readme-"));
const pool = serverPool();

beforeAll(async () => {
  const install = await installPacked(inject("conformanceTarball"), app);
  if (install.code !== 0) throw new Error(`npm install of the packed command failed:\n${install.stderr}`);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "readme-user", private: true, type: "module" }));
  mkdirSync(join(app, "node_modules/@types"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules/@types/node"), join(app, "node_modules/@types/node"), "dir");
  for (const b of blocks) writeFileSync(join(app, fileOf(b)), atFileLines(b));
}, 240_000);

afterAll(async () => {
  await pool.stopAll();
  rmSync(app, { recursive: true, force: true });
});

describe(`README.md's TypeScript under "## ${SECTION}"`, () => {
  it("has a block that imports the command's package", () => {
    expect(blocks.some((b) => b.code.includes('from "arize-users-conformance"'))).toBe(true);
  });

  it("type-checks against the packed package in a strict nodenext project", () => {
    const compilerOptions = { ...STRICT_USER_OPTIONS, lib: ["ES2022"], types: ["node"] };
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions, files: blocks.map(fileOf) }));
    const errors = typeErrors(app, "tsconfig.json");
    expect(errors, "README.md's blocks (readme-block-<n>.ts(<README line>,<column>))").toBe("");
  }, 120_000);

  describe("run against the reference server", () => {
    let baseUrl = "";
    beforeAll(async () => {
      baseUrl = pool.add(await startReferenceServer({ apiKey: KEY })).url;
    });

    it.each(blocks.map((block) => ({ block, line: block.line })))(
      "the block at README.md:$line",
      async ({ block }) => {
        const env = { PATH: process.env.PATH ?? "", ARIZE_API_KEY: KEY, CONTRACT_BASE_URL: baseUrl };
        const r = await runBlock(app, fileOf(block), block, env, 60_000);
        const report = `README.md:${block.line} exited with ${r.code}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout}`;
        expect(r.code, report).toBe(0);
        expect(r.stderr, report).toBe("");
        // One line per scenario that ran (a read-only run), then the verdict; the conforming server: no finding.
        const lines = r.stdout.trimEnd().split("\n");
        expect(lines.at(-1), report).toMatch(/^PASS: 0 finding\(s\), \d+ requests$/);
        expect(lines.slice(0, -1), report).toContainEqual(
          expect.stringMatching(/^listUsers: generated valid requests: \d+ requests$/),
        );
        for (const l of lines.slice(0, -1)) expect(l, report).toMatch(/^.+: \d+ requests$/);
        expect(r.stdout).not.toContain(KEY);
      },
      90_000,
    );
  });
});
