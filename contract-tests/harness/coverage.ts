// The mock suite's coverage records. Tests run in worker processes, so each record is a line
// appended to a file the global setup owns and reads back at the end (engine/coverage.ts makes
// the tables).
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { GeneratedHit, Hit } from "../engine/coverage.ts";

type Line = Hit | GeneratedHit;

export const recordHit = (file: string, hit: Line): void => appendFileSync(file, `${JSON.stringify(hit)}\n`);

const readLines = (file: string): Line[] =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Line)
    : [];

export const readHits = (file: string): Hit[] => readLines(file).filter((l): l is Hit => "status" in l);
export const readGeneratedHits = (file: string): GeneratedHit[] =>
  readLines(file).filter((l): l is GeneratedHit => !("status" in l));
