// The spec the engine checks against: openapi/users.yaml, bundled and dereferenced by Redocly.
// The packed command replaces this module by the same document bundled at build time
// (contract-tests/cli/build.mjs), so that Redocly is not needed at run time.
import { fileURLToPath } from "node:url";

export const SPEC_PATH = fileURLToPath(new URL("../../openapi/users.yaml", import.meta.url));

/** Bundles and dereferences the spec (resolving every $ref) with Redocly. */
export async function bundledSpec(specPath = SPEC_PATH): Promise<Record<string, unknown>> {
  const { bundle, createConfig } = await import("@redocly/openapi-core");
  const config = await createConfig({});
  const { bundle: doc, problems } = await bundle({ ref: specPath, config, dereference: true });
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length) throw new Error(`cannot bundle ${specPath}: ${errors.map((p) => p.message).join("; ")}`);
  return doc.parsed as Record<string, unknown>;
}
