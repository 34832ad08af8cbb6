/**
 * The patch to @pulumi/pulumi (patches/, applied by patch-package at install):
 * - a resource's aliases are collapsed to URNs lazily, only where the SDK reads them
 *   (pulumi/pulumi#10010);
 * - a StackReference's getOutput and requireOutput select the one output they read instead of
 *   lifting (walking and copying) every output of the other stack for each read.
 * These tests fail when an SDK upgrade leaves the patch behind or makes it a no-op, and prove
 * that aliases still reach the engine, with alias specs and without, and that stack outputs read
 * the same.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { mock, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { containsUnknowns } from "@pulumi/pulumi/output";
import { runProgram } from "../synth/engine";
import { PROJECT_ROOT } from "../synth/synthesize";

const SDK = "@pulumi/pulumi";

function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

test("the SDK patch is made for the installed and pinned @pulumi/pulumi version", () => {
  const patches = readdirSync(path.join(PROJECT_ROOT, "patches")).filter((file) => file.startsWith("@pulumi+pulumi+"));
  assert.equal(patches.length, 1, `one patch of ${SDK}, found: ${patches.join(", ")}`);
  const patchVersion = patches[0].replace(/^@pulumi\+pulumi\+/, "").replace(/\.patch$/, "");
  const pinned = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies[SDK];
  assert.equal(installedVersion(SDK), patchVersion, `${SDK} ${installedVersion(SDK)} is installed but the patch is for ${patchVersion}: re-make it (npx patch-package ${SDK}) or drop it if upstream fixed #10010`);
  assert.equal(pinned, patchVersion, `package.json pins ${SDK} ${pinned}, the patch is for ${patchVersion}`);
  const scripts = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  assert.match(scripts.postinstall ?? "", /patch-package --error-on-fail/, "npm ci applies the patch and fails when it does not apply");
});

/**
 * An alias whose collapse is observable: `collapseAliasToUrn` starts with `output(alias)`, which
 * reads an Output's resources at once (output.js, `outputRec`).
 */
function observedAlias(urn: string): { alias: pulumi.Output<string>; collapses: () => number } {
  const alias = pulumi.output(urn);
  let collapses = 0;
  const resources = (alias as unknown as { resources(): unknown }).resources.bind(alias);
  (alias as unknown as { resources: unknown }).resources = () => {
    collapses++;
    return resources();
  };
  return { alias, collapses: () => collapses };
}

test("a resource's aliases are collapsed only when read, and then to the URNs the eager SDK made", async () => {
  const oldUrn = "urn:pulumi:patch::gitops-platform::test:index:Thing::old-name";
  const { alias, collapses } = observedAlias(oldUrn);
  let seen: { before: number; urns: string[]; after: number; again: boolean; older: string } | undefined;
  await runProgram(
    async () => {
      const parent = new pulumi.ComponentResource("test:index:Parent", "parent", {}, {});
      const thing = new pulumi.ComponentResource("test:index:Thing", "thing", {}, { parent, aliases: [alias, { name: "older" }] });
      const before = collapses();
      const internal = thing as unknown as { __aliases: pulumi.Output<string>[] };
      const first = internal.__aliases;
      const urns = await Promise.all(first.map((urn) => new Promise<string>((resolve) => urn.apply(resolve))));
      // What the SDK's eager constructor made of the `{ name }` alias: a URN under the same parent.
      const older = await new Promise<string>((resolve) => pulumi.createUrn("older", "test:index:Thing", parent).apply(resolve));
      seen = { before, urns, after: collapses(), again: internal.__aliases === first, older };
      return {};
    },
    { stack: "patch" },
  );
  assert.ok(seen);
  assert.equal(seen.before, 0, "the constructor collapsed an alias: the patch is not applied (or no longer takes effect)");
  assert.ok(seen.after >= 1, "reading __aliases collapses them");
  assert.ok(seen.again, "collapsed once, then kept");
  assert.deepEqual(seen.urns, [oldUrn, seen.older]);
  assert.match(seen.older, /test:index:Parent\$test:index:Thing::older$/);
});

test("walking a resource's keys does not collapse its aliases: the getter is not enumerable", async () => {
  // The SDK searches every Output's value for unknowns through Object.keys of everything reachable
  // from it (output.js, containsUnknowns), resources included: an enumerable getter would be read
  // there and undo the laziness (AksCluster.systemPool is an Output<AgentPool>).
  const { alias, collapses } = observedAlias("urn:pulumi:patch::gitops-platform::test:index:Thing::old-name");
  let seen: { enumerable: boolean | undefined; keys: boolean; afterWalk: number; afterApply: number } | undefined;
  await runProgram(
    async () => {
      const parent = new pulumi.ComponentResource("test:index:Parent", "parent", {}, {});
      const thing = new pulumi.ComponentResource("test:index:Thing", "thing", {}, { parent, aliases: [alias] });
      const enumerable = Object.getOwnPropertyDescriptor(thing, "__aliases")?.enumerable;
      const keys = Object.keys(thing).includes("__aliases");
      containsUnknowns({ parent });
      containsUnknowns(thing);
      const afterWalk = collapses();
      // What AksCluster does: an Output whose value is a resource, awaited.
      await new Promise((resolve) => pulumi.output("x").apply(() => thing).apply(resolve));
      seen = { enumerable, keys, afterWalk, afterApply: collapses() };
      return {};
    },
    { stack: "patch" },
  );
  assert.ok(seen);
  assert.equal(seen.enumerable, false, "__aliases is an enumerable property: containsUnknowns reads it");
  assert.equal(seen.keys, false, "Object.keys of a resource lists __aliases");
  assert.equal(seen.afterWalk, 0, "containsUnknowns over a resource collapsed its aliases");
  assert.equal(seen.afterApply, 0, "an Output whose value is the resource collapsed its aliases");
});

async function aliasesSent(aliasSpecs: boolean): Promise<Map<string, string[]>> {
  const run = await runProgram(
    () => {
      const app = new pulumi.ComponentResource("test:index:App", "app", {}, { aliases: [{ name: "old-app" }] });
      new pulumi.ComponentResource("test:index:Part", "app-part", {}, { parent: app });
      new pulumi.ComponentResource("test:index:Part", "app-renamed", {}, { parent: app, aliases: [{ name: "app-legacy" }] });
      return {};
    },
    { stack: "aliases", aliasSpecs },
  );
  return new Map(run.resources.map((r) => [r.name, [...r.aliases].sort()]));
}

const base = "urn:pulumi:aliases::gitops-platform::";

test("aliases reach an engine that takes alias specs", async () => {
  const sent = await aliasesSent(true);
  // URNs as the engine makes them: the Stack is never a parent type (synth/engine.ts, engineUrn).
  assert.deepEqual(sent.get("app"), [`${base}test:index:App::old-app`]);
  // The engine derives a child's aliases from its parent's itself: the SDK sends only its own.
  assert.deepEqual(sent.get("app-part"), []);
  assert.deepEqual(sent.get("app-renamed"), [`${base}test:index:App$test:index:Part::app-legacy`]);
});

test("aliases reach an engine without alias specs: the SDK collapses them, a parent's included", async () => {
  const sent = await aliasesSent(false);
  assert.deepEqual(sent.get("app"), [`${base}test:index:App::old-app`]);
  // The parent's alias, inherited: collapsed from the parent's lazily read __aliases.
  assert.deepEqual(sent.get("app-part"), [`${base}test:index:App$test:index:Part::old-app-part`]);
  assert.deepEqual(
    sent.get("app-renamed"),
    // Its own alias is collapsed under the parent's URN, which the mock engine made with the stack's type in it.
    [`${base}test:index:App$test:index:Part::app-legacy`, `${base}test:index:App$test:index:Part::old-app-renamed`, `${base}test:index:App$test:index:Part::old-app-legacy`].sort(),
  );
});

const OTHER = "organization/gitops-platform/prod";

class Thing extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs) {
    super("test:index:Thing", name, props);
  }
}
const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "apiVersion: v1" };

/** Another stack's outputs, the size of a platform's with hundreds of tenants. */
function otherStackOutputs(): Record<string, unknown> {
  return {
    environment: "prod",
    kubeconfig: SECRET,
    nested: { a: [1, { b: "c" }] },
    tenants: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`t${i}`, { namespace: `t${i}`, registry: { loginServer: `acr${i}.azurecr.io` } }])),
  };
}

test("reading one output of another stack does not walk its other outputs", async () => {
  let visits: number | undefined;
  await runProgram(
    async () => {
      const other = new pulumi.StackReference("other", { name: OTHER });
      await other.getOutputDetails("environment");
      // Every walk of an object graph in output.js (outputRec, containsUnknowns) records what it has seen in a Set.
      const add = mock.method(Set.prototype, "add");
      try {
        await other.getOutputDetails("environment");
        await other.requireOutputValue("environment");
      } finally {
        visits = add.mock.callCount();
        add.mock.restore();
      }
      return {};
    },
    { stack: "patch-reads", project: "gitops-platform-tenants", otherStacks: { [OTHER]: otherStackOutputs() } },
  );
  assert.ok(visits !== undefined && visits < 100, `two reads of one plain output visited ${visits} objects: the other stack's 400 tenants were walked (the StackReference patch is not applied)`);
});

test("another stack's outputs read the same: values, secretness, copies, missing outputs and dependencies", async () => {
  let seen: Record<string, unknown> | undefined;
  const run = await runProgram(
    async () => {
      const other = new pulumi.StackReference("other", { name: OTHER });
      const nested = (await other.getOutputValue("nested")) as { a: unknown[] };
      (nested.a[1] as { b: string }).b = "changed";
      seen = {
        environment: await other.getOutputDetails("environment"),
        kubeconfig: await other.getOutputDetails("kubeconfig"),
        nestedAgain: await other.getOutputValue("nested"),
        absent: await other.getOutputDetails("absent"),
        secretOfRequired: await new Promise((resolve) => pulumi.isSecret(other.requireOutput("kubeconfig")).then(resolve)),
        plainOfGet: await pulumi.isSecret(other.getOutput("environment")),
        byOutputName: await other.getOutputValue(pulumi.output("environment") as unknown as string),
      };
      new Thing("thing", { environment: other.getOutput("environment"), tenant: other.requireOutput("tenants").apply((t) => (t as Record<string, unknown>).t3) });
      return {};
    },
    { stack: "patch-same", project: "gitops-platform-tenants", otherStacks: { [OTHER]: otherStackOutputs() } },
  );
  assert.deepEqual(seen, {
    environment: { value: "prod" },
    kubeconfig: { secretValue: "apiVersion: v1" },
    nestedAgain: { a: [1, { b: "c" }] },
    absent: { value: undefined },
    secretOfRequired: true,
    plainOfGet: false,
    byOutputName: "prod",
  });
  const thing = run.resources.find((r) => r.name === "thing")!;
  const reference = run.resources.find((r) => r.type === "pulumi:pulumi:StackReference")!;
  assert.deepEqual(thing.values, { environment: "prod", tenant: { namespace: "t3", registry: { loginServer: "acr3.azurecr.io" } } });
  assert.deepEqual(thing.dependencies, [reference.urn], "an input read from another stack depends on the StackReference");
});
