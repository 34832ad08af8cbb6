/**
 * Issue 24 item 4, whole stack: with `resourceGroup.existing` the platform's group is imported,
 * not created (azure-native refuses to create a group that exists), under the same URN and
 * inputs as a created one, so adopting changes nothing else in the stack and a stack that
 * created its own group may set it harmlessly; a destroy leaves the adopted group.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { synthesize } from "../../synth/synthesize";
import { pinTestDay, stackFileWith } from "../helpers";

pinTestDay();

const GROUP = "azure-native:resources:ResourceGroup";
const SUB = "3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b";

test("prod adopts an existing rg-gitops-prod: imported by its id, retained on delete, the rest of the stack as it was", async () => {
  const id = `/subscriptions/${SUB}/resourceGroups/rg-gitops-prod`;
  // Both sides in the single-stack form (prod's tenant stacks' tenants inline), so that "the rest of the stack" is all of it.
  const created = await synthesize({ stack: "prod", configFile: stackFileWith("prod", () => undefined) });
  const adopted = await synthesize({ stack: "prod", configFile: stackFileWith("prod", (p) => void (p.resourceGroup = { existing: id })) });
  const group = (r: typeof created) => {
    const groups = r.run.resources.filter((x) => x.type === GROUP);
    assert.equal(groups.length, 1);
    return groups[0];
  };
  assert.equal(group(created).importId, null, "created by default");
  assert.equal(group(created).retainOnDelete, undefined);
  assert.equal(group(adopted).importId, id);
  assert.equal(group(adopted).retainOnDelete, true);
  assert.equal(group(adopted).urn, group(created).urn);
  assert.deepEqual(group(adopted).inputs, group(created).inputs);
  assert.equal(group(adopted).protect, true, "still protected in prod");
  assert.deepEqual(adopted.violations, [], "every Kubernetes object still valid");
  // Nothing but the group's options differs.
  const shape = (r: typeof created) => r.graph.resources.filter((x) => x.type !== GROUP).map((x) => [x.urn, JSON.stringify(x.inputs)]);
  assert.deepEqual(shape(adopted), shape(created));
});
