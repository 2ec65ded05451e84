// The breaking-change gate (scripts/spec-diff.mjs, scripts/check-breaking.mjs). A small fixture
// spec rather than openapi/users.yaml, so that the spec's own edits cannot change these verdicts.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffSpecs, loadSpecText, type Change } from "../../scripts/spec-diff.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, walked freely by the test
type Json = Record<string, any>;

function fixture(): Json {
  return {
    openapi: "3.1.0",
    info: { title: "fixture", version: "1" },
    paths: {
      "/users": {
        get: {
          operationId: "listUsers",
          parameters: [
            { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 100 } },
            { name: "status", in: "query", schema: { type: "array", items: { $ref: "#/components/schemas/Status" } } },
          ],
          responses: {
            "200": {
              description: "ok",
              content: {
                "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/User" } } },
              },
            },
            "429": { description: "slow down", headers: { "Retry-After": { schema: { type: "integer" } } } },
          },
        },
        post: {
          operationId: "createUser",
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/NewUser" } } },
          },
          responses: {
            "201": {
              description: "created",
              content: { "application/json": { schema: { $ref: "#/components/schemas/User" } } },
            },
          },
        },
      },
    },
    components: {
      schemas: {
        Status: { type: "string", enum: ["active", "invited", "expired"] },
        User: {
          type: "object",
          required: ["id", "name", "status"],
          properties: {
            id: { type: "string" },
            name: { type: "string", maxLength: 255 },
            status: { $ref: "#/components/schemas/Status" },
          },
        },
        NewUser: {
          type: "object",
          required: ["name"],
          properties: { name: { type: "string", maxLength: 255 }, status: { $ref: "#/components/schemas/Status" } },
        },
      },
    },
  };
}

const text = (doc: Json) => JSON.stringify(doc, null, 1); // JSON is YAML
async function changesAfter(edit: (doc: Json) => void): Promise<Change[]> {
  const after = fixture();
  edit(after);
  return diffSpecs(await loadSpecText(text(fixture())), await loadSpecText(text(after)));
}
const breaking = (changes: Change[]) => changes.filter((c) => c.breaking).map((c) => `${c.operation}: ${c.message}`);

describe("spec diff", () => {
  it("finds nothing between a spec and itself", async () => {
    const spec = readFileSync(join(root, "openapi/users.yaml"), "utf8");
    expect(diffSpecs(await loadSpecText(spec), await loadSpecText(spec))).toEqual([]);
  });

  it("a response field removed breaks callers", async () => {
    const changes = await changesAfter((d) => {
      delete d.components.schemas.User.properties.name;
      d.components.schemas.User.required = ["id", "status"];
    });
    expect(breaking(changes)).toContain(
      "listUsers (GET /users): response 200 application/json[]: property `name` removed",
    );
    expect(breaking(changes)).toContain(
      "createUser (POST /users): response 201 application/json: property `name` removed",
    );
  });

  it("an enum value removed breaks the callers who send it", async () => {
    const changes = await changesAfter((d) => {
      d.components.schemas.Status.enum = ["active", "invited"];
    });
    expect(breaking(changes)).toEqual([
      'listUsers (GET /users): parameter query status[]: value `"expired"` removed from the enum',
      'createUser (POST /users): request body application/json.status: value `"expired"` removed from the enum',
    ]);
    // Readers of a response lose nothing: listed, but not breaking.
    expect(changes.some((c) => !c.breaking && c.message.includes("response 201"))).toBe(true);
  });

  it("an enum value added breaks readers of responses (an unknown value), not senders", async () => {
    const changes = await changesAfter((d) => {
      d.components.schemas.Status.enum.push("suspended");
    });
    expect(breaking(changes).every((m) => m.includes("response"))).toBe(true);
    expect(breaking(changes)).toHaveLength(2);
  });

  it("a parameter made required breaks callers", async () => {
    const changes = await changesAfter((d) => {
      d.paths["/users"].get.parameters[0].required = true;
    });
    expect(breaking(changes)).toEqual(["listUsers (GET /users): parameter query limit now required"]);
  });

  it("an optional field added passes, and is listed", async () => {
    const changes = await changesAfter((d) => {
      d.components.schemas.User.properties.last_login_at = { type: "string", format: "date-time" };
      d.components.schemas.NewUser.properties.note = { type: "string" };
    });
    expect(breaking(changes)).toEqual([]);
    expect(changes.map((c) => c.message)).toContain(
      "response 201 application/json: optional property `last_login_at` added",
    );
    expect(changes.map((c) => c.message)).toContain("request body application/json: optional property `note` added");
  });

  it("stricter requests, looser responses and removed things break; the opposite does not", async () => {
    // A response string that may now be longer can overflow what a caller stores it in.
    const changes = await changesAfter((d) => {
      d.paths["/users"].get.parameters[0].schema.maximum = 50; // stricter request
      d.components.schemas.NewUser.required = ["name", "status"]; // request field now required
      d.components.schemas.User.required = ["id", "name"]; // response field no longer guaranteed
      delete d.paths["/users"].get.responses["429"].headers; // header gone
      d.components.schemas.User.properties.name.maxLength = 100; // stricter response: listed only
    });
    expect(breaking(changes)).toEqual(
      expect.arrayContaining([
        "listUsers (GET /users): parameter query limit: maximum 100 → 50",
        "createUser (POST /users): request body application/json: property `status` now required",
        "createUser (POST /users): response 201 application/json: property `status` no longer required",
        "listUsers (GET /users): response 429: header Retry-After removed",
      ]),
    );
    expect(changes.find((c) => c.message.endsWith(".name: maxLength 255 → 100"))?.breaking).toBe(false);
    const looser = await changesAfter((d) => {
      d.components.schemas.User.properties.name.maxLength = 500;
    });
    expect(breaking(looser)).toContain(
      "createUser (POST /users): response 201 application/json.name: maxLength 255 → 500",
    );
    const removed = await changesAfter((d) => {
      delete d.paths["/users"].post;
    });
    expect(breaking(removed)).toEqual(["createUser (POST /users): operation removed"]);
  });

  it("a document that is not a spec gets an error naming it", async () => {
    await expect(loadSpecText("just: [text", "broken.yaml")).rejects.toThrow(/broken\.yaml/);
    await expect(loadSpecText("title: no paths", "plain.yaml")).rejects.toThrow(/plain\.yaml/);
  });
});

describe("npm run check:breaking", () => {
  let dir = "";
  const git = (...args: string[]) => {
    const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: dir,
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  };
  const write = (doc: Json, version: string) => {
    writeFileSync(join(dir, "openapi/users.yaml"), text(doc));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "x", version }));
  };
  const check = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, "scripts/check-breaking.mjs"), ...args], { cwd: dir, encoding: "utf8" });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "check-breaking-"));
    mkdirSync(join(dir, "openapi"));
    git("init", "-q", "-b", "work");
    write(fixture(), "0.1.0");
    git("add", ".");
    git("commit", "-q", "-m", "release");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("without a tag, origin/main or main, it stops with a clear message", () => {
    const r = check();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      "nothing to compare with: no release tag v*, no origin/main, no main. Pass --base <ref>.",
    );
    expect(check("--base", "v9").stderr).toContain('base ref "v9" not found');
  });

  it("fails on a breaking change until the version is raised; passes an optional field", () => {
    git("tag", "v0.1.0");
    const broken = fixture();
    broken.components.schemas.Status.enum = ["active", "invited"];
    write(broken, "0.1.0");
    const r = check();
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("openapi/users.yaml: v0.1.0");
    expect(r.stdout).toContain(
      'BREAKING    listUsers (GET /users): parameter query status[]: value `"expired"` removed',
    );
    expect(r.stderr).toContain("set package.json's version to 0.2.0 or later");

    write(broken, "0.2.0");
    expect(check().status).toBe(0);

    const added = fixture();
    added.components.schemas.User.properties.nickname = { type: "string" };
    write(added, "0.1.0");
    const ok = check("--base", "v0.1.0", "--changelog");
    expect(ok.stdout).toContain("2 change(s), 0 breaking.");
    expect(ok.status).toBe(0);
    expect(readFileSync(join(dir, "CHANGELOG.md"), "utf8")).toContain(
      "## Unreleased\n\n### Other changes\n\n- listUsers (GET /users): response 200 application/json[]: optional property `nickname` added\n- createUser (POST /users): response 201 application/json: optional property `nickname` added",
    );
  });
});
