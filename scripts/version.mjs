// src/version.ts from package.json's version, so the version lives in one place. Run by
// `npm run generate` and by npm's `version` lifecycle script (`npm version minor` updates it);
// `npm run check:generated` fails when the file and package.json disagree.
// Not an import of package.json in src/: a bundler would carry the whole file into the browser.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const VERSION_FILE = "src/version.ts";

/** The text src/version.ts must hold for `version`. */
export const versionModule = (version) =>
  `// Generated from package.json by scripts/version.mjs (\`npm run generate\`); do not edit.\n` +
  `export const VERSION = ${JSON.stringify(version)};\n`;

/** What src/version.ts should hold, given package.json in `dir`. */
export const expectedVersionModule = (dir = ".") =>
  versionModule(JSON.parse(readFileSync(`${dir}/package.json`, "utf8")).version);

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(VERSION_FILE, expectedVersionModule());
