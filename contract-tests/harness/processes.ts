// Child processes the harness, the mutation test and the bench start: each is spawned detached,
// so it leads its own process group and one kill reaches its children too (npm → node → Prism).
import type { ChildProcess } from "node:child_process";
import { killGroup } from "../engine/prism.ts";

export { killGroup };

const running = new Set<ChildProcess>();

/** Kills every tracked child's group now (for afterAll hooks and signal handlers). */
export const killAll = (): void => {
  for (const child of running) killGroup(child);
};

// An interrupted run must not leave children behind: kill every group we started, then let the
// signal do what it would have done had we not listened.
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      killAll();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

/** Tracks `child` until it exits: killed with its group when this process exits or is interrupted. */
export function track<T extends ChildProcess>(child: T): T {
  hookExit();
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}
