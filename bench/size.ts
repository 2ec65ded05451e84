// Bundle size: the public entry with openapi-fetch, openapi-fetch alone, and the official client's
// users functions, each bundled by scripts/size.mjs (esbuild, minified ESM), raw and gzipped.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, printTable } from "./lib.ts";

interface SizeScript {
  BUDGET: number;
  measureBundle(o?: { entry?: string; contents?: string }): Promise<{ bytes: number; gzip: number }>;
}
export interface SizeRow {
  name: string;
  what: string;
  bytes: number;
  gzip: number;
}
export interface SizeResult {
  budget: number;
  rows: SizeRow[];
}

// The official client's users functions: one per operation, and bulkDeleteUsers (which brings its
// findUserIdByEmail along), the counterpart of our findByEmail and deleteMany.
const OFFICIAL_USERS = [
  "listUsers",
  "getUser",
  "createUser",
  "updateUser",
  "deleteUser",
  "resendInvitation",
  "resetPassword",
  "bulkDeleteUsers",
];

export async function measureSize(): Promise<SizeResult> {
  // Loaded at run time, not bundled: the script resolves its paths from its own location.
  const script = (await import(pathToFileURL(join(ROOT, "scripts", "size.mjs")).href)) as SizeScript;
  const entries: Omit<SizeRow, "bytes" | "gzip">[] = [
    { name: "arize-users-client", what: "src/index.ts + openapi-fetch" },
    { name: "openapi-fetch alone", what: "its default export" },
    { name: "@arizeai/ax-client users", what: OFFICIAL_USERS.join(", ") },
  ];
  const inputs = [
    {},
    { contents: 'export { default } from "openapi-fetch";' },
    { contents: `export { ${OFFICIAL_USERS.join(", ")} } from "@arizeai/ax-client";` },
  ];
  const rows: SizeRow[] = [];
  for (const [i, e] of entries.entries()) rows.push({ ...e, ...(await script.measureBundle(inputs[i])) });
  return { budget: script.BUDGET, rows };
}

export function printSize(r: SizeResult): void {
  printTable(
    `Bundle size: esbuild, minified ESM (budget ${r.budget} B)`,
    ["bundle", "bytes", "gzip", "contents"],
    r.rows.map((row) => [row.name, row.bytes, row.gzip, row.what]),
  );
}
