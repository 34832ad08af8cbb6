/**
 * Issue 28: an alias that names its parent by the Resource object makes the SDK search the alias's
 * value through every resource reachable from that object (output.js, `containsUnknowns`), once
 * per aliased resource: quadratic in tenants when the parent is the platform component. The mock
 * engine refuses the form, so no component can bring it back; by URN the alias reaches the engine
 * as the same alias.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { run } from "./helpers";

class Box extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:test:Box", name, {}, opts);
    this.registerOutputs({});
  }
}

const REFUSED = /gitops-platform:test:Box::moved: an alias names its parent by the Resource object; name it by URN/;

test("an alias whose parent is a Resource object: the run fails naming the aliased resource", async () => {
  await assert.rejects(
    run(() => {
      const former = new Box("former");
      const current = new Box("current");
      new Box("moved", { parent: current, aliases: [{ parent: former }] });
    }),
    REFUSED,
  );
});

test("the Stack resource object as an alias's parent is refused too", async () => {
  await assert.rejects(
    run(() => {
      new Box("moved", { parent: new Box("current"), aliases: [{ parent: pulumi.runtime.getStackResource() }] });
    }),
    REFUSED,
  );
});

test("the same aliases by URN pass and reach the engine as the former URNs", async () => {
  const result = await run(() => {
    const former = new Box("former");
    const current = new Box("current");
    new Box("moved", { parent: current, aliases: [{ parent: former.urn }, { parent: pulumi.runtime.getStackResource()!.urn }] });
  });
  const moved = result.resources.find((r) => r.name === "moved")!;
  assert.deepEqual(moved.aliases, [
    "urn:pulumi:test::gitops-platform::gitops-platform:test:Box$gitops-platform:test:Box::moved",
    "urn:pulumi:test::gitops-platform::gitops-platform:test:Box::moved",
  ]);
});

test("aliases without a parent (renames, type aliases), URN strings and no parent (rootStackResource, which is undefined) pass", async () => {
  const result = await run(() => {
    new Box("moved", { parent: new Box("current"), aliases: [{ name: "old" }, "urn:pulumi:test::gitops-platform::gitops-platform:test:Box::older", { parent: pulumi.rootStackResource }] });
  });
  assert.ok(result.resources.some((r) => r.name === "moved"));
});
