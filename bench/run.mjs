// `npm run bench`: the benchmarks are TypeScript (type-checked by `npm run lint`) and import the
// client from src/ and the Prism launcher from contract-tests/ as source, so bundle them with
// esbuild first (Node 20 cannot run .ts), then run.
import { build } from "esbuild";
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outfile = `${root}bench/results/.build/bench.mjs`;

// Bundled code must still find files next to its source (prism-guard.mjs, server.mjs, the spec):
// give every project .ts file its own import.meta.url instead of the bundle's.
const keepImportMetaUrl = {
  name: "keep-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      if (!path.startsWith(root) || path.includes("/node_modules/")) return undefined;
      const source = await readFile(path, "utf8");
      return { contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(path).href)), loader: "ts" };
    });
  },
};

try {
  await build({
    entryPoints: [`${root}bench/main.ts`],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external", // openapi-fetch etc. load from node_modules: one copy shared by every contender
    plugins: [keepImportMetaUrl],
    sourcemap: "inline",
    logLevel: "error",
  });
} catch (err) {
  console.error(`bench: could not build the benchmarks: ${err.message}`);
  process.exit(2);
}
process.exitCode = await (await import(pathToFileURL(outfile).href)).main(process.argv.slice(2));
