// `npm run docs`: one self-contained HTML page that holds every operation and the seed's example.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSpecText } from "../../scripts/spec-diff.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const page = join(root, "site/index.html");
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, walked freely by the test
type Json = Record<string, any>;

// The example of /work/shared/seeds/create-user.txt, Arize's own page for POST /v2/users.
const SEED_REQUEST = {
  name: "Jane Smith",
  email: "jane.smith@example.com",
  role: { type: "predefined", name: "member" },
  invite_mode: "email_link",
};

describe("npm run docs", () => {
  let html = "";
  let definition: Json = {};
  beforeAll(() => {
    const r = spawnSync("npm", ["run", "--silent", "docs"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    });
    if (r.status !== 0) throw new Error(`npm run docs failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    html = readFileSync(page, "utf8");
    // Redoc renders the page in the browser from this embedded, dereferenced definition.
    const m = /const __redoc_definition = (\{.*\});\n/.exec(html);
    if (!m?.[1]) throw new Error(`${page}: no embedded __redoc_definition`);
    definition = JSON.parse(m[1]) as Json;
  }, 120_000);

  it("is one file that loads no script or stylesheet from elsewhere", () => {
    expect(statSync(page).size).toBeGreaterThan(100_000); // the Redoc bundle is inline
    expect(html).not.toMatch(/<(script|link)\b[^>]*\b(src|href)="https?:/);
    expect(html).toContain('"disableTelemetry":true');
    expect(html).toContain("Arize REST API v2"); // pre-rendered: the title shows before the script runs
  });

  it("contains every operation of the spec", async () => {
    const spec = await loadSpecText(readFileSync(join(root, "openapi/users.yaml"), "utf8"));
    const ops = (doc: Json) =>
      Object.values(doc.paths as Json).flatMap((item: Json) =>
        Object.values(item)
          .filter((op: Json) => op?.operationId)
          .map((op: Json) => `${op.operationId}: ${op.summary}`),
      );
    expect(ops(spec).length).toBeGreaterThanOrEqual(7);
    expect(ops(definition)).toEqual(ops(spec));
  });

  it("contains the seed's create-user example", () => {
    // Wherever the spec keeps it (inline or under components/examples): every object in the page.
    const objects = (v: unknown): unknown[] =>
      v && typeof v === "object" ? [v, ...Object.values(v).flatMap(objects)] : [];
    expect(objects(definition)).toContainEqual(SEED_REQUEST);
  });
});
