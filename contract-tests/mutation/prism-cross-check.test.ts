// Prism's validating proxy as a cross-check of the engine (runConformance's prismProxy), mutant by
// mutant: does Prism flag an answer that none of the engine's own checks flagged? On the
// conforming server it must flag nothing at all (its findings would be false); on a mutant,
// anything it alone flags is a fault class the engine misses. Short runs (valid requests and the
// list's properties, 5 cases each, no shrinking): Prism sees every answer of those. Writes
// reports/mutation-prism.md.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConformance } from "../engine/conformance.ts";
import { startPrismProxy, type PrismProxy } from "../engine/cross-check.ts";
import { track } from "../harness/processes.ts";
import type { FindingsRun } from "../engine/findings.ts";
import { handlerTransport } from "../engine/transport.ts";
import { reportDir } from "../harness/global-setup.ts";
import { isMutationName, MUTATION_NAMES, type MutationName } from "../reference-server/mutations.ts";
import { createReferenceHandler } from "../reference-server/server.ts";

const SELECTED: MutationName[] = process.env.MUTATION_ONLY
  ? process.env.MUTATION_ONLY.split(",")
      .map((n) => n.trim())
      .filter(isMutationName)
  : MUTATION_NAMES;
// One Prism serves every run; a few runs at once keep it busy.
const CONCURRENCY = 4;
const API_KEY = `cross-check-key-${randomBytes(8).toString("hex")}`;
const CONFORMING = "conforming";
const reports = new Map<string, FindingsRun>();
let proxy: PrismProxy | undefined;

async function crossCheck(name: MutationName | typeof CONFORMING): Promise<void> {
  const mutation = name === CONFORMING ? undefined : name;
  const report = await runConformance({
    apiKey: API_KEY,
    transport: handlerTransport(createReferenceHandler({ apiKey: API_KEY, mutation })),
    baseUrl: "http://reference.localhost",
    writes: true,
    seed: 1,
    budget: 5,
    shrinkMs: 0,
    phases: ["positive", "properties"],
    prismProxy: proxy,
  });
  reports.set(name, report);
}

const stats = (name: string) => reports.get(name)?.crossCheck;

function table(): string {
  const rows = [CONFORMING, ...SELECTED].map((name) => {
    const c = stats(name);
    const own = reports.get(name)?.findings.filter((f) => f.check !== "prism_violation").length ?? 0;
    return `| ${name} | ${c?.answers ?? "-"} | ${c?.flaggedByPrism ?? "-"} | ${own} | ${c ? (c.flaggedOnlyByPrism ? `**${c.flaggedOnlyByPrism}**: ${c.examples[0]}` : "none") : "-"} |`;
  });
  return [
    "# Prism's validating proxy as a cross-check, mutant by mutant",
    "",
    "Seed 1, 5 cases per property, valid requests and the list's properties through `prism proxy --errors`.",
    "",
    "| variant | answers through Prism | flagged by Prism | engine's own findings | flagged by Prism alone |",
    "|---|--:|--:|--:|---|",
    ...rows,
    "",
  ].join("\n");
}

describe("Prism's validating proxy finds nothing the engine's own checks miss", () => {
  beforeAll(async () => {
    proxy = await startPrismProxy({ onChild: track });
    const queue: (MutationName | typeof CONFORMING)[] = [CONFORMING, ...SELECTED];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (queue.length) await crossCheck(queue.shift()!);
      }),
    );
  }, 900_000);

  afterAll(async () => {
    await proxy?.stop();
    mkdirSync(reportDir(), { recursive: true });
    writeFileSync(join(reportDir(), "mutation-prism.md"), table());
  });

  it("on the conforming server Prism flags no answer", () => {
    expect(stats(CONFORMING)?.answers).toBeGreaterThan(50);
    expect(stats(CONFORMING)?.flaggedByPrism, stats(CONFORMING)?.examples.join("\n")).toBe(0);
  });

  it.each(SELECTED)("%s: every answer Prism flags, an engine check flags too", (name) => {
    const c = stats(name);
    expect(c, `${name}: cross-check ran`).toBeDefined();
    expect(c!.flaggedOnlyByPrism, c!.examples.join("\n")).toBe(0);
  });
});
