// A command the packaging tests run (npm pack, npm install, tar, tsc): its stdout, or an error that
// names the command and the folder and carries both outputs.
import { execFileSync } from "node:child_process";

export function runCommand(cmd: string, args: string[], cwd: string, timeoutMs: number): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: "pipe", timeout: timeoutMs });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${stdout ?? ""}\n${stderr ?? ""}`);
  }
}
