// README.md's TypeScript works as written, for someone who installs the package:
// - every ```ts / ```typescript block (but those under "## Conformance command", which
//   contract-tests/cli/readme.test.ts checks) type-checks against the packed package (`npm pack`, whose
//   prepack builds dist/) in a fresh strict ESM project (nodenext, top-level await), once as a
//   Node.js project (@types/node, no DOM lib) and once with the DOM lib instead;
// - the blocks under "## Usage" (up to the next `## ` heading) run, transpiled, against a Prism
//   mock of openapi/users.yaml, with ARIZE_API_KEY and ARIZE_BASE_URL from the environment as the
//   README says: exit 0, nothing on stderr, and on stdout what the README implies.
// A Usage block that cannot run as it stands (it needs a real server, say) is marked
// ```ts no-run; it is still type-checked. Each block is compiled and run from a file whose line n
// is README.md's line n, and failures name the README's line and the block.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrism, type Prism } from "../../contract-tests/engine/prism.ts";
import { track } from "../../contract-tests/harness/processes.ts";
import { loadSpecText } from "../../scripts/spec-diff.mjs";
import { runCommand } from "../run-command.ts";
import { atFileLines, typescriptBlocks, type CodeBlock } from "./readme-blocks.ts";
import { runBlock, STRICT_USER_OPTIONS, typeErrors } from "./readme-project.ts";

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, walked freely by the test
type Json = Record<string, any>;
const root = fileURLToPath(new URL("../..", import.meta.url));
const README = "README.md";
const USAGE = "Usage";
const NO_RUN = "no-run";
const blocks = typescriptBlocks(readFileSync(join(root, README), "utf8"));
// The blocks under "## Conformance command" use the command's package, not the client's:
// contract-tests/cli/readme.test.ts checks them against that package.
const CONFORMANCE = "Conformance command";
const clientBlocks = blocks.filter((b) => b.section !== CONFORMANCE);
const usage = blocks.filter((b) => b.section === USAGE);
const runnable = usage.filter((b) => !b.flags.includes(NO_RUN));

const fileOf = (b: CodeBlock) => `readme-block-${b.index}.ts`;
const where = (b: CodeBlock) => `${README}:${b.line} (ts block ${b.index}, under "## ${b.section}")`;

/** Rewrites our per-block file names (tsc's `f.ts(l,c)`, Node's `file:///…/f.ts:l:c`) as README positions. */
function inReadme(text: string): string {
  return text.replace(
    /(?:file:\/\/)?[^\s()'"]*readme-block-(\d+)\.(?:ts|js)(?:\((\d+),(\d+)\)|:(\d+)(?::(\d+))?)?/g,
    (_, n: string, l1?: string, c1?: string, l2?: string, c2?: string) => {
      const b = blocks[Number(n) - 1]!;
      const line = l1 ?? l2;
      const col = c1 ?? c2;
      return `${README}${line ? `:${line}${col ? `:${col}` : ""}` : ""} (ts block ${b.index}, under "## ${b.section}")`;
    },
  );
}

const run = (cmd: string, args: string[], cwd: string): string => runCommand(cmd, args, cwd, 120_000);

// The user's project: the packed package unpacked as npm would install it, and its one runtime
// dependency, openapi-fetch, linked from this repo's node_modules (nothing is downloaded).
const tmp = mkdtempSync(join(tmpdir(), "arize-users-client-readme-"));
const app = join(tmp, "app");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  run("npm", ["pack", "--silent", "--pack-destination", tmp], root); // prepack: npm run build
  const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error(`npm pack left no tarball in ${tmp}`);

  const pkg = join(app, "node_modules/arize-users-client");
  mkdirSync(pkg, { recursive: true });
  run("tar", ["-xzf", join(tmp, tarball), "-C", pkg, "--strip-components=1"], tmp);
  const { dependencies = {} } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  const linked = (name: string) =>
    JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version as string;
  expect(dependencies, "the packed package's runtime dependencies (the test links exactly these)").toEqual({
    "openapi-fetch": linked("openapi-fetch"),
  });
  symlinkSync(join(root, "node_modules/openapi-fetch"), join(app, "node_modules/openapi-fetch"), "dir");
  mkdirSync(join(app, "node_modules/@types"));
  symlinkSync(join(root, "node_modules/@types/node"), join(app, "node_modules/@types/node"), "dir");

  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "readme-user", private: true, type: "module" }));
  for (const b of clientBlocks) writeFileSync(join(app, fileOf(b)), atFileLines(b));
}, 180_000);

describe("typescriptBlocks", () => {
  it("finds ts/typescript blocks with their section, line and flags; a heading inside a fence is code", () => {
    const md = [
      "# T",
      "```ts",
      "a;",
      "```",
      "## Usage",
      "````sh",
      "## not a heading",
      "```ts",
      "````",
      "### More",
      "```typescript no-run",
      "b;",
      "c;",
      "```",
      "## Next",
      "~~~TS",
      "d;",
      "~~~",
    ].join("\n");
    expect(typescriptBlocks(md)).toEqual([
      { index: 1, section: "", line: 3, flags: [], code: "a;" },
      { index: 2, section: "Usage", line: 12, flags: ["no-run"], code: "b;\nc;" },
      { index: 3, section: "Next", line: 17, flags: [], code: "d;" },
    ]);
    expect(atFileLines({ index: 1, section: "", line: 3, flags: [], code: "x" })).toBe("\n\nx\n");
  });
});

describe(`${README}'s TypeScript`, () => {
  it(`has runnable blocks under "## ${USAGE}"`, () => {
    expect(
      runnable.length,
      `no \`\`\`ts block under "## ${USAGE}" that runs: renamed heading, or all marked ${NO_RUN}?`,
    ).toBeGreaterThan(0);
  });

  it.each([
    { setup: "Node.js (@types/node, no DOM lib)", options: { lib: ["ES2022"], types: ["node"] } },
    { setup: "DOM lib, no @types/node", options: { lib: ["ES2022", "DOM", "DOM.Iterable"], types: [] } },
  ])(
    "type-checks against the packed package in a strict ESM project: $setup",
    ({ setup, options }) => {
      const config = `tsconfig.${options.types.length ? "node" : "dom"}.json`;
      writeFileSync(
        join(app, config),
        JSON.stringify({ compilerOptions: { ...STRICT_USER_OPTIONS, ...options }, files: clientBlocks.map(fileOf) }),
      );
      const errors = inReadme(typeErrors(app, config));
      expect(errors, `${README}'s ts blocks do not type-check (${setup})`).toBe("");
    },
    120_000,
  );

  describe(`the "## ${USAGE}" blocks run against a Prism mock of the spec`, () => {
    let prism: Prism | undefined;
    type ListPage = { users: { id: string; email: string }[]; pagination: { has_more: boolean } };
    let mockListPage: ListPage;
    let mockUserId: string;
    beforeAll(async () => {
      // Prism answers a list with the first example of listUsers' 200, a get with getUser's.
      const spec = (await loadSpecText(readFileSync(join(root, "openapi/users.yaml"), "utf8"))) as Json;
      const first = (response: Json) => Object.values(response.content["application/json"].examples as Json)[0].value;
      mockListPage = first(spec.paths["/v2/users"].get.responses["200"]);
      mockUserId = first(spec.paths["/v2/users/{user_id}"].get.responses["200"]).id;
      prism = await startPrism({ mode: "mock", onChild: track });
    }, 60_000);
    afterAll(async () => {
      await prism?.stop();
    });

    // What each runnable Usage block prints on the mock, in the order they appear: a new block
    // needs its line here.
    const expectedOutput: (() => string)[] = [
      // listAll({ email: "example.com" }) logs each matching user's email: the mock's one page
      // (has_more: false). The try prints nothing: the mock answers its get with a 200.
      () => {
        expect(
          mockListPage.pagination.has_more,
          "the mock's default list page must be a last page, or listAll never ends",
        ).toBe(false);
        const emails = mockListPage.users.map((u) => u.email);
        expect(emails.length).toBeGreaterThan(0);
        for (const e of emails) expect(e).toContain("example.com");
        // findByEmail("ADA@example.com") and deleteMany: the mock answers every search with that
        // same page (a DELETE with 204), so ada, on it, is found and deleted; nobody is not found.
        const ada = mockListPage.users.filter((u) => u.email.toLowerCase() === "ada@example.com");
        const nobody = mockListPage.users.filter((u) => u.email.toLowerCase() === "nobody@example.com");
        expect([ada.length, nobody.length], "the mock's page must hold ada@example.com once, nobody@ not").toEqual([
          1, 0,
        ]);
        return [
          ...emails,
          `found ${ada[0]!.id}`,
          `${mockUserId} deleted ${mockUserId}`,
          `ada@example.com deleted ${ada[0]!.id}`,
          "nobody@example.com not_found -",
        ]
          .map((line) => `${line}\n`)
          .join("");
      },
    ];

    it.each(runnable.map((block, i) => ({ block, i, n: block.index, line: block.line })))(
      "runs ts block $n (README.md:$line)",
      async ({ block, i }) => {
        const expected = expectedOutput[i];
        if (!expected)
          throw new Error(`${where(block)} runs, but the test does not say what it prints: add it to expectedOutput`);

        const key = "readme-test-key";
        // Only what the README asks for: no key or base URL of the caller's own leaks in.
        const env = { PATH: process.env.PATH ?? "", ARIZE_API_KEY: key, ARIZE_BASE_URL: prism!.url };
        const result = await runBlock(app, fileOf(block), block, env, 30_000);
        const report =
          `${where(block)}, run against the Prism mock at ${prism!.url}, exited with ${result.code}\n` +
          `--- stderr ---\n${inReadme(result.stderr)}\n--- stdout ---\n${result.stdout}\n` +
          `--- Prism log (end) ---\n${prism!.log().split("\n").slice(-30).join("\n")}`;
        expect(result.code, report).toBe(0);
        expect(inReadme(result.stderr), report).toBe("");
        expect(result.stdout, report).toBe(expected());
        expect(result.stdout + result.stderr).not.toContain(key);
      },
      60_000,
    );
  });
});
