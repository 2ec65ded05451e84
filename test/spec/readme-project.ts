// A README reader's project, for the README tests (the client's, test/spec/readme.test.ts, and the
// conformance command's, contract-tests/cli/readme.test.ts): the compiler options a careful user
// would have, tsc run on it, and a block transpiled and run with Node.
import { execFile, execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { track } from "../../contract-tests/harness/processes.ts";
import { atFileLines, type CodeBlock } from "./readme-blocks.ts";

const TSC = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));

/** Strict as a careful user would have it (not noUnusedLocals: examples name what they return). */
export const STRICT_USER_OPTIONS = {
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
};

/** `tsc -p config` in `dir`: what it printed (its errors), "" when it passed. */
export function typeErrors(dir: string, config: string): string {
  try {
    execFileSync(process.execPath, [TSC, "-p", config, "--pretty", "false"], {
      cwd: dir,
      encoding: "utf8",
      stdio: "pipe",
      timeout: 120_000,
    });
    return "";
  } catch (e) {
    const { stdout = "", stderr = "" } = e as { stdout?: string; stderr?: string };
    return `${stdout}${stderr}`.trim();
  }
}

export interface BlockRun {
  code: number | string | null;
  stdout: string;
  stderr: string;
}

/**
 * `block` transpiled to `<dir>/<file>.js` (line n is the README's line n, with a source map) and
 * run with Node and only `env`; killed after `timeoutMs`.
 */
export function runBlock(
  dir: string,
  file: string,
  block: CodeBlock,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<BlockRun> {
  const js = file.replace(/\.ts$/, ".js");
  const { outputText } = ts.transpileModule(atFileLines(block), {
    fileName: file,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  writeFileSync(join(dir, js), outputText);
  return new Promise((resolve) => {
    track(
      execFile(
        process.execPath,
        ["--enable-source-maps", js],
        { cwd: dir, env, encoding: "utf8", timeout: timeoutMs },
        (err, stdout, stderr) =>
          resolve({
            code: err ? ((err as { code?: number | string }).code ?? err.signal ?? "killed") : 0,
            stdout,
            stderr,
          }),
      ),
    );
  });
}
