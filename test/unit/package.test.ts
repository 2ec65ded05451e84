// The published package: build → npm pack → install into a fresh strict (nodenext) TypeScript
// project outside the repo → it type-checks (misuse included) and imports at run time.
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { VERSION } from "../../src/version.ts";
import { runCommand } from "../run-command.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "arize-users-client-pack-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string) => runCommand(cmd, args, cwd, 90_000);
const tsc = join(root, "node_modules/typescript/bin/tsc");

const app = `
import { createUsersClient, ArizeError, ArizeApiError, ArizeConnectionError, ArizeTimeoutError, ArizeAbortError, NotFoundError } from "arize-users-client";
import type { User, UserStatus, UserRoleAssignment, CreateUserRequest, UpdateUserRequest, UserList, Problem, paths, components, operations } from "arize-users-client";
const arize = createUsersClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" });
export async function main(): Promise<[User, UserStatus, UserRoleAssignment, UserList, boolean, Problem | undefined]> {
  const body: CreateUserRequest = { name: "J", email: "j@example.com", role: { type: "predefined", name: "member" }, invite_mode: "none" };
  const patch: UpdateUserRequest = { is_developer: false };
  const { user, created } = await arize.users.create(body);
  const u = await arize.users.update(user.id, patch);
  const op: operations["getUser"]["parameters"]["path"]["user_id"] = u.id;
  const s: components["schemas"]["UserStatus"] = u.status;
  const p: keyof paths = "/v2/users";
  console.log(op, p, ArizeError, ArizeConnectionError, ArizeTimeoutError, ArizeAbortError, NotFoundError);
  // @ts-expect-error unknown role
  await arize.users.create({ ...body, role: { type: "predefined", name: "owner" } });
  // @ts-expect-error missing invite_mode
  await arize.users.create({ name: "J", email: "j@example.com", role: { type: "predefined", name: "member" } });
  // @ts-expect-error upper-case enum value
  await arize.users.list({ status: ["ACTIVE"] });
  // @ts-expect-error non-boolean is_developer
  await arize.users.update(u.id, { is_developer: "true" });
  // @ts-expect-error raw call without its path parameter
  await arize.raw.GET("/v2/users/{user_id}");
  return [u, s, u.role, await arize.users.list(), created, new ArizeApiError(new Response()).problem];
}
`;

it("packs, installs and type-checks in a fresh strict nodenext project", () => {
  const pkg = join(tmp, "pkg");
  run(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", join(pkg, "dist")], root);
  cpSync(join(root, "package.json"), join(pkg, "package.json"));
  run("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", tmp], pkg); // built above: no prepack here
  const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
  expect(tarball).toBe(`arize-users-client-${VERSION}.tgz`);

  const dir = join(tmp, "app");
  cpSync(join(tmp, tarball!), join(dir, tarball!));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        noEmit: true,
        lib: ["ES2022", "DOM", "DOM.Iterable"],
        types: [],
      },
    }),
  );
  writeFileSync(join(dir, "index.ts"), app);
  run("npm", ["install", `./${tarball}`, "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], dir);
  run(process.execPath, [tsc, "-p", "."], dir);
  const out = run(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      'import * as m from "arize-users-client"; console.log(Object.keys(m).sort().join(","))',
    ],
    dir,
  );
  expect(out.trim()).toBe(
    "ArizeAbortError,ArizeApiError,ArizeConnectionError,ArizeError,ArizeTimeoutError,AuthenticationError,BadRequestError," +
      "ConflictError,InternalServerError,NotFoundError,PermissionDeniedError,RateLimitError,UnprocessableEntityError,createUsersClient",
  );
}, 180_000);
