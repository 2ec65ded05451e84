// Runs Prism as a child and dies with it: when the test runner goes away (even by SIGKILL)
// our stdin closes, and we kill the whole process group, Prism included.
import { spawn } from "node:child_process";

const [bin, ...args] = process.argv.slice(2);
const child = spawn(bin, args, { stdio: ["ignore", "inherit", "inherit"] });
const killGroup = () => {
  try {
    process.kill(-process.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
};
process.stdin.on("close", killGroup).on("end", killGroup).resume();
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
child.on("error", (err) => {
  console.error(`prism-guard: cannot start ${bin}: ${err.message}`);
  process.exit(127);
});
