/**
 * Synth makes URNs the way the engine does (pkg/resource/deploy/deployment.go, generateURN): a
 * resource's type is prefixed with its parent's whole qualified type, not only the parent's own
 * type as the SDK's MockMonitor does. URNs are what state, aliases, `pulumi state move` and the
 * duplicate-URN check compare.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { run } from "./helpers";

test("a grandchild's URN carries its parent's whole qualified type, as the engine makes it", async () => {
  const result = await run(() => {
    const outer = new pulumi.ComponentResource("test:index:Outer", "outer");
    const inner = new pulumi.ComponentResource("test:index:Inner", "inner", {}, { parent: outer });
    new pulumi.ComponentResource("test:index:Leaf", "leaf", {}, { parent: inner });
  });
  const urns = result.resources.map((r) => r.urn).filter((urn) => urn.includes("test:index")).sort();
  assert.deepEqual(urns, [
    "urn:pulumi:test::gitops-platform::test:index:Outer$test:index:Inner$test:index:Leaf::leaf",
    "urn:pulumi:test::gitops-platform::test:index:Outer$test:index:Inner::inner",
    "urn:pulumi:test::gitops-platform::test:index:Outer::outer",
  ]);
});

test("an alias to a former parent is the URN the resource had there", async () => {
  const result = await run(() => {
    const outer = new pulumi.ComponentResource("test:index:Outer", "outer");
    const wrapper = new pulumi.ComponentResource("test:index:Wrapper", "wrapper", {}, { parent: outer });
    new pulumi.ComponentResource("test:index:Leaf", "leaf", {}, { parent: wrapper, aliases: [{ parent: outer.urn }] });
  });
  const leaf = result.resources.find((r) => r.name === "leaf");
  assert.deepEqual(leaf?.aliases, ["urn:pulumi:test::gitops-platform::test:index:Outer$test:index:Leaf::leaf"]);
});
