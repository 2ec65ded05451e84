// The bundle-size budget (same measure as `npm run size`), so `npm test` guards it too.
import { expect, it } from "vitest";
import { BUDGET, measureBundle } from "../../scripts/size.mjs";

it("the public entry bundled with openapi-fetch stays within the budget", async () => {
  const ours = await measureBundle();
  const base = await measureBundle({ contents: 'export { default } from "openapi-fetch";' });
  expect(base.bytes).toBeGreaterThan(5000); // sanity: the measure really bundles openapi-fetch
  expect(ours.bytes).toBeGreaterThan(base.bytes);
  expect(ours.bytes).toBeLessThanOrEqual(BUDGET);
});
