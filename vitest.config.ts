import { defineConfig } from "vitest/config";

// One config, one project per kind of test; `npm test` runs them all.
export default defineConfig({
  test: {
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
          name: "contract",
          include: ["contract-tests/**/*.contract.test.ts"],
          globalSetup: ["contract-tests/harness/global-setup.ts"],
          // One Prism serves the whole run; files share it, so keep them serial.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
