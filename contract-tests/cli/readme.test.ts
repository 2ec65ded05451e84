// README.md's TypeScript under "## Conformance command" works as written, for someone who installs
// the command's package: each ```ts block type-checks against the packed arize-users-conformance
// (installed from the tarball into a fresh folder) in a strict nodenext project with @types/node,
// and each runs, transpiled, against the reference server with only ARIZE_API_KEY and
// CONTRACT_BASE_URL in its environment. Each block is compiled and run from a file whose line n is
// README.md's line n, so an error's line is the README's.
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { track } from "../harness/processes.ts";
import { startReferenceServer } from "../reference-server/server.ts";
import { atFileLines, typescriptBlocks, type CodeBlock } from "../../test/spec/readme-blocks.ts";
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
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          moduleDetection: "force",
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          noImplicitReturns: true,
          isolatedModules: true,
          verbatimModuleSyntax: true,
          skipLibCheck: false,
          noEmit: true,
          lib: ["ES2022"],
          types: ["node"],
        },
        files: blocks.map(fileOf),
      }),
    );
    let errors = "";
    try {
      execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "--pretty", "false"], {
        cwd: app,
        encoding: "utf8",
        stdio: "pipe",
        timeout: 120_000,
      });
    } catch (e) {
      const { stdout = "", stderr = "" } = e as { stdout?: string; stderr?: string };
      errors = `${stdout}${stderr}`.trim();
    }
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
        const js = fileOf(block).replace(/\.ts$/, ".js");
        const { outputText } = ts.transpileModule(atFileLines(block), {
          fileName: fileOf(block),
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, inlineSourceMap: true },
        });
        writeFileSync(join(app, js), outputText);
        const env = { PATH: process.env.PATH ?? "", ARIZE_API_KEY: KEY, CONTRACT_BASE_URL: baseUrl };
        const r = await new Promise<{ code: number | string | null; stdout: string; stderr: string }>((resolve) => {
          track(
            execFile(
              process.execPath,
              ["--enable-source-maps", js],
              { cwd: app, env, encoding: "utf8", timeout: 60_000 },
              (err, stdout, stderr) =>
                resolve({
                  code: err ? ((err as { code?: number }).code ?? err.signal ?? "killed") : 0,
                  stdout,
                  stderr,
                }),
            ),
          );
        });
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
