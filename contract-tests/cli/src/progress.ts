// Progress while a run goes on, counted from its events: on a terminal a single line rewritten in
// place, on CI a plain line every 30 s.
import type { ConformanceEvent } from "../../engine/index.ts";

export interface Progress {
  /** Scenarios finished (run or skipped), of all the run knows. */
  checksDone: number;
  checksTotal: number;
  requests: number;
  findings: number;
}

export const emptyProgress = (): Progress => ({ checksDone: 0, checksTotal: 0, requests: 0, findings: 0 });

/** Counts one event into `p`. */
export function count(p: Progress, event: ConformanceEvent): void {
  if (event.type === "run-started") p.checksTotal = event.scenarios.length;
  else if (event.type === "scenario-finished") p.checksDone++;
  else if (event.type === "request") p.requests++;
  else if (event.type === "finding") p.findings++;
}

export function progressLine(elapsedMs: number, p: Progress): string {
  return `[${Math.round(elapsedMs / 1000)}s] checks ${p.checksDone}/${p.checksTotal} · ${p.requests} requests · ${p.findings} findings`;
}

const TICK_MS = 500;
const PLAIN_EVERY_MS = 30_000;

export interface Reporter {
  /** A line of its own on stderr (the progress line is cleared first, and redrawn at the next tick). */
  say(line: string): void;
  /** The last progress line; stops the ticks. */
  finish(): void;
}

/** Shows `p` as it changes, on `out` (stderr), until finish(). */
export function progressReporter(p: Progress, out: NodeJS.WriteStream = process.stderr): Reporter {
  const started = Date.now();
  const tty = out.isTTY === true;
  let lastPlain = started;
  const line = () => progressLine(Date.now() - started, p);
  const tick = setInterval(() => {
    if (tty) out.write(`\r\x1b[K${line()}`);
    else if (Date.now() - lastPlain >= PLAIN_EVERY_MS) {
      lastPlain = Date.now();
      out.write(`${line()}\n`);
    }
  }, TICK_MS);
  tick.unref();
  return {
    say: (text) => out.write(`${tty ? "\r\x1b[K" : ""}${text}\n`),
    finish() {
      clearInterval(tick);
      out.write(`${tty ? "\r\x1b[K" : ""}${line()}\n`);
    },
  };
}
