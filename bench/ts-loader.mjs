// Lets a bench child run the project's TypeScript unbundled: `node --import ./bench/ts-loader.mjs x.ts`.
// Each .ts file is compiled by esbuild as it loads, one module per file, so that a CPU profile
// names the source module of every function (a bundle would put them all in one file).
import { readFile } from "node:fs/promises";
import { register } from "node:module";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";
import { transform } from "esbuild";

// This file is both the --import (main thread: registers) and the hooks (Node's loader thread).
if (isMainThread) register(import.meta.url);

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !url.endsWith(".ts") || url.includes("/node_modules/")) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await transform(await readFile(path, "utf8"), {
    loader: "ts",
    format: "esm",
    target: "node20",
    sourcefile: path,
    sourcemap: "inline",
  });
  return { format: "module", source: code, shortCircuit: true };
}
