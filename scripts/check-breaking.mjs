// npm run check:breaking [-- --base <ref>] [-- --changelog]
// Compares openapi/users.yaml in the working tree with the one at a base ref (default: the last
// release tag v*, else origin/main, else main), prints every change, and fails on a breaking one
// unless package.json's major version was raised (0.x: the minor). --changelog also writes the
// changes into CHANGELOG.md's "## Unreleased" section.
// Exit: 0 passed, 1 breaking change without a version bump, 2 cannot compare (bad argument, no base).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { changelogSection, describeChange, diffSpecs, loadSpecText } from "./spec-diff.mjs";

const SPEC = "openapi/users.yaml";

class Usage extends Error {}

const git = (...args) => execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
const tryGit = (...args) => {
  try {
    return git(...args);
  } catch {
    return undefined;
  }
};

function parseArgs(argv) {
  const opts = { base: undefined, changelog: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--changelog") opts.changelog = true;
    else if (arg === "--base" || arg.startsWith("--base=")) {
      opts.base = arg === "--base" ? argv[++i] : arg.slice("--base=".length);
      if (!opts.base) throw new Usage("--base needs a git ref, e.g. --base v0.1.0");
    } else throw new Usage(`unknown argument ${JSON.stringify(arg)} (expected --base <ref> or --changelog)`);
  }
  return opts;
}

function shallowHint() {
  return tryGit("rev-parse", "--is-shallow-repository") === "true"
    ? " This is a shallow clone: fetch the history and tags (actions/checkout with fetch-depth: 0, or git fetch --unshallow --tags)."
    : "";
}

/** The ref to compare with: --base, else the last release tag, else origin/main, else main. */
function resolveBase(base) {
  if (base) {
    if (tryGit("rev-parse", "--verify", "--quiet", `${base}^{commit}`)) return base;
    throw new Usage(`base ref ${JSON.stringify(base)} not found in this clone.${shallowHint()}`);
  }
  const candidates = [tryGit("describe", "--tags", "--abbrev=0", "--match", "v[0-9]*", "HEAD"), "origin/main", "main"];
  const found = candidates.find((ref) => ref && tryGit("rev-parse", "--verify", "--quiet", `${ref}^{commit}`));
  if (found) return found;
  throw new Usage(
    `nothing to compare with: no release tag v*, no origin/main, no main. Pass --base <ref>.${shallowHint()}`,
  );
}

function fileAt(ref, path) {
  const text = tryGit("show", `${ref}:${path}`);
  if (text === undefined) throw new Usage(`${path} does not exist at ${ref}.${shallowHint()}`);
  return text;
}

const versionOf = (json, where) => {
  const text = JSON.parse(json).version ?? "";
  const m = /^(\d+)\.(\d+)\.\d+/.exec(text);
  if (!m) throw new Usage(`package.json at ${where} has no semver version`);
  return { text, major: Number(m[1]), minor: Number(m[2]) };
};

/** A breaking change needs a new major version; before 1.0, a new minor. */
const allowsBreaking = (base, v) => v.major > base.major || (v.major === 0 && base.major === 0 && v.minor > base.minor);

function writeChangelog(changes) {
  const file = "CHANGELOG.md";
  const text = existsSync(file) ? readFileSync(file, "utf8") : "# Changelog\n\n";
  const section = changelogSection("Unreleased", changes);
  const start = text.indexOf("## Unreleased");
  const next = start < 0 ? -1 : text.indexOf("\n## ", start + 1);
  const updated =
    start < 0
      ? text.replace(/(# Changelog\n+(?:[^#][^\n]*\n+)*)/, `$1${section}\n`)
      : text.slice(0, start) + section + (next < 0 ? "" : text.slice(next + 1));
  writeFileSync(file, updated);
  console.log(`Wrote the changes into ${file} (## Unreleased): edit the words there if needed.`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const root = tryGit("rev-parse", "--show-toplevel");
  if (!root) throw new Usage("not inside a git repository: check:breaking compares with a git ref");
  process.chdir(root);
  const ref = resolveBase(opts.base);
  const sha = git("rev-parse", "--short", `${ref}^{commit}`);
  const [baseVersion, version] = [
    versionOf(fileAt(ref, "package.json"), ref),
    versionOf(readFileSync("package.json", "utf8"), "HEAD"),
  ];
  const [before, after] = await Promise.all([
    loadSpecText(fileAt(ref, SPEC), `${SPEC} at ${ref}`),
    loadSpecText(readFileSync(SPEC, "utf8"), SPEC),
  ]);
  const changes = diffSpecs(before, after);
  const breaking = changes.filter((c) => c.breaking).length;
  console.log(`${SPEC}: ${ref} (${sha}, version ${baseVersion.text}) → working tree (version ${version.text})`);
  for (const c of changes) console.log(`  ${describeChange(c)}`);
  console.log(`${changes.length} change(s), ${breaking} breaking.`);
  if (opts.changelog) writeChangelog(changes);
  if (breaking && !allowsBreaking(baseVersion, version)) {
    const needed = baseVersion.major === 0 ? `0.${baseVersion.minor + 1}.0` : `${baseVersion.major + 1}.0.0`;
    console.error(
      `check:breaking: ${breaking} breaking change(s) but the version was not raised: ` +
        `set package.json's version to ${needed} or later (npm version ${baseVersion.major === 0 ? "minor" : "major"}), or undo them.`,
    );
    return 1;
  }
  if (breaking) console.log("Breaking changes allowed: the version was raised.");
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`check:breaking: ${e instanceof Usage ? "" : "cannot compare: "}${e.message}`);
    process.exitCode = 2;
  },
);
