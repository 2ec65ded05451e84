import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// One config, one project per kind of test; `npm test` runs them all.
export default defineConfig({
  test: {
    // One worker per CPU (vitest's default leaves one to its main process, which here has little
    // to do; on 2 CPUs that default is a single worker, and files that mostly wait on children,
    // npm, tsc or a server would run one after another).
    maxWorkers: availableParallelism(),
    // JUnit XML for CI; CONTRACT_REPORT_DIR keeps parallel conformance runs (the mutation test) apart.
    // In conformance mode junit.xml is the findings' own (rendered from findings.json), so vitest's goes beside it.
    reporters: ["default", "junit"],
    outputFile: {
      junit: `${process.env.CONTRACT_REPORT_DIR ?? "reports"}/${process.env.CONTRACT_BASE_URL ? "vitest-junit.xml" : "junit.xml"}`,
    },
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "types",
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ["test/types/**/*.test-d.ts"],
            tsconfig: "./tsconfig.json",
          },
        },
      },
      {
        test: {
          // The spec's life in CI: the breaking-change gate, the reference docs, and the README's
          // TypeScript (packed, type-checked, run on the mock).
          name: "spec",
          include: ["test/spec/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          // The harness's own tests (launcher, verdicts) and the engine's: part of `npm test`, not of the
          // contract run, which they would slow down with Prisms of their own.
          name: "harness",
          include: ["contract-tests/harness/**/*.test.ts", "contract-tests/engine/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          // The conformance command (contract-tests/cli): its parts, and the built command run
          // against the reference server, from the repo and packed.
          name: "cli",
          include: ["contract-tests/cli/**/*.test.ts"],
          // Builds and packs the command once for all its test files.
          globalSetup: ["contract-tests/cli/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: "contract",
          include: ["contract-tests/**/*.contract.test.ts"],
          globalSetup: ["contract-tests/harness/global-setup.ts"],
          // One Prism serves the whole run; the files share it (it keeps no state between requests).
          // Files share one module graph (harness, Ajv, spec load once): they keep no global state.
          isolate: false,
          // Live, a property sends hundreds of requests and shrinks what it finds (10 s a problem).
          testTimeout: process.env.CONTRACT_BASE_URL ? 300_000 : 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // Conformance mode against the reference server and each of its mutants (child runs).
          name: "mutation",
          include: ["contract-tests/mutation/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
