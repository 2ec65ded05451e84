// A V8 CPU profile summarised: self time by module (a function without a script, a builtin like
// JSON.parse, counts for its nearest caller that has one), and by concern (what the engine was doing:
// generating, checking answers, sending…), found from the leaf's module or else its nearest caller
// among the engine's own modules.
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "./lib.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

// What each module is for, by concern; a module not listed takes its nearest engine caller's.
const CONCERNS: [concern: string, modules: RegExp][] = [
  ["loading code (modules, Node's lazy built-ins)", /^node: loading code$/],
  ["generating (fast-check, arbitraries)", /^(fast-check|pure-rand|engine\/(schema-arbitrary|generate)\.ts)$/],
  [
    "checking answers (Ajv, response checks)",
    /^(ajv|ajv-formats|fast-uri|fast-deep-equal|engine\/(response-checks|session|checks)\.ts)$/,
  ],
  [
    "properties, runner, sequences (model, judges)",
    /^engine\/(properties|runner|scenarios|stateful|model|judges|clauses|test-users)\.ts$/,
  ],
  ["sending, receiving (transport, channel)", /^engine\/(transport|channel|http)\.ts$/],
  ["loading the spec (Redocly)", /^(@redocly\/.*|js-yaml|yaml-ast-parser|engine\/spec(-source)?\.ts)$/],
  ["reports, coverage", /^engine\/(findings|coverage|redact)\.ts$/],
  ["run set-up, clean-up", /^engine\/(conformance|cleanup|options|cross-check)\.ts$/],
];
const SPECIAL: Record<string, string> = {
  "(idle)": "idle (waiting for answers)",
  "(garbage collector)": "garbage collection",
  "(program)": "V8 (program)",
};

/** A script URL as a short module name: engine/x.ts, a package name, node:…, or "". */
export function moduleOf(url: string): string {
  if (!url) return "";
  if (url.startsWith("node:")) return nodeModuleOf(url);
  const pkg = url.match(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (pkg) return pkg[1]!;
  if (!url.startsWith("file:")) return url;
  return relative(ROOT, fileURLToPath(url)).replace(/^contract-tests\//, "");
}

/** Code no engine module called: Node's own I/O callbacks (answers parsed, sockets, timers), or else. */
const uncalled = (module: string) =>
  module.startsWith("node") ? "Node I/O callbacks (http parser, sockets, timers)" : `other: ${module}`;

function nodeModuleOf(url: string): string {
  if (/^node:internal\/(modules|bootstrap\/realm)/.test(url)) return "node: loading code";
  if (/undici/.test(url)) return "node: undici";
  if (/http/.test(url)) return "node:http";
  if (/net|stream|tcp|socket/.test(url)) return "node:net, streams";
  return "node: other";
}

const concernOfModule = (module: string): string | undefined => CONCERNS.find(([, re]) => re.test(module))?.[0];

export interface ProfileSummary {
  totalMs: number;
  byConcern: { name: string; ms: number }[];
  byModule: { name: string; ms: number }[];
  topFunctions: { name: string; module: string; ms: number }[];
}

export function summariseProfile(p: CpuProfile, top = 12): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Each sample lasts until the next one.
  const selfUs = new Map<number, number>();
  for (const [i, id] of p.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i + 1] ?? 0));

  const ancestors = function* (id: number) {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) yield byId.get(at)!;
  };
  const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us);
  const modules = new Map<string, number>();
  const concerns = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const special = SPECIAL[node.callFrame.functionName];
    if (special && !node.callFrame.url) {
      add(modules, special, us);
      add(concerns, special, us);
      continue;
    }
    const frames = [...ancestors(id)];
    const leaf = frames.find((f) => f.callFrame.url) ?? node;
    const module = moduleOf(leaf.callFrame.url) || "(native)";
    add(modules, module, us);
    add(functions, `${leaf.callFrame.functionName || "(anonymous)"}\t${module}`, us);
    const engineCaller = frames.map((f) => moduleOf(f.callFrame.url)).find((m) => concernOfModule(m));
    add(concerns, concernOfModule(module) ?? (engineCaller ? concernOfModule(engineCaller)! : uncalled(module)), us);
  }
  const sorted = (m: Map<string, number>) =>
    [...m].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return {
    totalMs: (p.endTime - p.startTime) / 1000,
    byConcern: sorted(concerns),
    byModule: sorted(modules),
    topFunctions: sorted(functions)
      .slice(0, top)
      .map(({ name, ms }) => {
        const [fn, module] = name.split("\t") as [string, string];
        return { name: fn, module, ms };
      }),
  };
}
