/**
 * Issue 24 item 4: a resource group that already exists is adopted (`resourceGroup.existing`),
 * never created: config takes only the group the stack would create, at the key path.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { adoptedResourceGroupOptions, platformResourceGroupName } from "../components/platform-resource-group";
import { parsePlatformConfig } from "../stacks/parse";
import { pinTestDay, TEST_TODAY } from "./helpers";

pinTestDay();

const SUB = "3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b";
const problems = (platform: Record<string, unknown>, environment = "dev") => {
  const parsed = parsePlatformConfig(platform, environment, { today: TEST_TODAY });
  return parsed.ok ? [] : parsed.problems;
};

test("an existing group is adopted by its ARM id, and the stack never deletes it; without one, the stack creates and owns its group", () => {
  const id = `/subscriptions/${SUB}/resourceGroups/rg-gitops-dev`;
  assert.deepEqual(adoptedResourceGroupOptions(id), { import: id, retainOnDelete: true });
  assert.deepEqual(adoptedResourceGroupOptions(undefined), {});
  assert.equal(platformResourceGroupName("dev"), "rg-gitops-dev");
  assert.deepEqual(problems({ resourceGroup: { existing: id } }), []);
  const parsed = parsePlatformConfig({}, "dev", { today: TEST_TODAY });
  assert.ok(parsed.ok && parsed.config.resourceGroup.existing === undefined, "created by default");
});

test("an existing group of another name, or something that is not a group's id, is refused at resourceGroup.existing", () => {
  assert.deepEqual(problems({ resourceGroup: { existing: `/subscriptions/${SUB}/resourceGroups/shared-rg` } }), [
    'gitops-platform:platform.resourceGroup.existing: names the group "shared-rg"; the dev platform\'s group is "rg-gitops-dev" (create it under that name, or let the stack create it)',
  ]);
  for (const bad of ["rg-gitops-dev", `/subscriptions/${SUB}/resourceGroups/rg-gitops-dev/providers/Microsoft.KeyVault/vaults/x`, "/subscriptions/not-a-guid/resourceGroups/rg-gitops-dev"]) {
    assert.deepEqual(problems({ resourceGroup: { existing: bad } }), [
      "gitops-platform:platform.resourceGroup.existing: must be the ARM id of a resource group (/subscriptions/<subscription id>/resourceGroups/<name>)",
    ], bad);
  }
  assert.match(problems({ resourceGroup: { name: "x" } }).join("\n"), /resourceGroup/);
});
