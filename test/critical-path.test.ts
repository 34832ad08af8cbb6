/**
 * The deployment's critical path (synth/critical-path.ts): the algorithm on small hand-built
 * graphs. The real dev and prod graphs (the only serial chains are the intrinsic ones, and
 * tenants, identities and Vault do not wait on each other) are in test/stacks/critical-path.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ADOPTION_SECONDS, creationDependencies, creationSeconds, criticalPath, goDurationSeconds, renderCriticalPath, stepSeconds } from "../synth/critical-path";
import { GraphResource } from "../synth/synthesize";
import { graphResource, pinTestDay } from "./helpers";

pinTestDay();

/** A resource of a hand-built graph: custom unless said otherwise. */
const node = (urn: string, fields: Partial<GraphResource> = {}) => graphResource({ urn, ...fields });

const component = (urn: string, fields: Partial<GraphResource> = {}) => node(urn, { type: "test:index:Component", custom: false, ...fields });

function waitsOf(graph: GraphResource[], urn: string): string[] {
  return [...(creationDependencies(graph).get(urn) ?? [])].sort();
}

describe("the algorithm, on hand-built graphs", () => {
  test("a dependency on a component waits for every custom resource inside it, not inside custom resources", () => {
    const graph = [
      component("comp"),
      node("a", { parent: "comp" }),
      component("inner", { parent: "comp" }),
      node("b", { parent: "inner" }),
      node("c", { parent: "comp" }),
      node("c-child", { parent: "c" }),
      node("x", { dependencies: ["comp"] }),
    ];
    assert.deepEqual(waitsOf(graph, "x"), ["a", "b", "c"]);
    assert.ok(!creationDependencies(graph).has("comp"), "a component is not a step");
  });

  test("a resource waits for its provider, and through it for what the provider needs", () => {
    const graph = [
      node("cluster", { type: "azure-native:containerservice:ManagedCluster" }),
      node("k8s", { type: "pulumi:providers:kubernetes", dependencies: ["cluster"] }),
      node("ns", { type: "kubernetes:core/v1:Namespace", provider: "k8s" }),
    ];
    assert.deepEqual(waitsOf(graph, "ns"), ["k8s"]);
    const path = criticalPath(graph);
    assert.deepEqual(
      path.steps.map((s) => s.urn),
      ["cluster", "k8s", "ns"],
    );
    assert.equal(path.seconds, 420 + 0 + 2);
  });

  test("children wait for what their components waited for (dependsOn on a component holds back its inside)", () => {
    const graph = [
      node("db"),
      component("app", { dependencies: ["db"] }),
      component("app-inner", { parent: "app" }),
      node("deploy", { parent: "app-inner" }),
      node("other", { parent: "app", dependencies: ["deploy"] }),
    ];
    assert.deepEqual(waitsOf(graph, "deploy"), ["db"]);
    assert.deepEqual(waitsOf(graph, "other"), ["db", "deploy"]);
  });

  test("a child of a custom resource waits for its parent; a resource never waits for itself", () => {
    const graph = [component("comp"), node("parent", { parent: "comp" }), node("child", { parent: "parent" }), node("self", { parent: "comp", dependencies: ["comp"] })];
    assert.deepEqual(waitsOf(graph, "child"), ["parent"]);
    assert.deepEqual(waitsOf(graph, "self"), ["parent"]);
  });

  test("dependencies and providers outside the graph are ignored", () => {
    const graph = [node("a", { dependencies: ["urn:elsewhere"], provider: "urn:default-provider" })];
    assert.deepEqual(waitsOf(graph, "a"), []);
    assert.equal(criticalPath(graph).seconds, 5);
  });

  test("the longest chain wins, with the sum of the creation times", () => {
    const graph = [
      node("rg", { type: "azure-native:resources:ResourceGroup" }),
      node("kv", { type: "azure-native:keyvault:Vault", dependencies: ["rg"] }),
      node("key", { type: "azure-native:keyvault:Key", dependencies: ["kv"] }),
      node("cluster", { type: "azure-native:containerservice:ManagedCluster", dependencies: ["rg"] }),
      node("pool", { type: "azure-native:containerservice:AgentPool", dependencies: ["cluster"] }),
    ];
    const path = criticalPath(graph);
    assert.deepEqual(
      path.steps.map((s) => [s.name, s.seconds]),
      [
        ["rg", 5],
        ["cluster", 420],
        ["pool", 240],
      ],
    );
    assert.equal(path.seconds, 665);
    assert.equal(renderCriticalPath(path).split("\n")[0], "Critical path: 3 resources, about 11m05s");
  });

  test("a dependency cycle is an error naming a resource on it", () => {
    const graph = [node("a", { dependencies: ["b"] }), node("b", { dependencies: ["c"] }), node("c", { dependencies: ["a"] })];
    assert.throws(() => criticalPath(graph), /dependency cycle through (a|b|c)$/);
  });

  test("an adopted resource (the import option) is read and updated in place, not created", () => {
    const pool = "azure-native:containerservice:AgentPool";
    const graph = [
      node("cluster", { type: "azure-native:containerservice:ManagedCluster" }),
      node("adopted", { type: pool, dependencies: ["cluster"], import: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c/agentPools/system" }),
    ];
    assert.equal(stepSeconds(graph[1]), ADOPTION_SECONDS);
    assert.equal(stepSeconds({ type: pool }), creationSeconds(pool), "a pool the engine creates");
    const path = criticalPath(graph);
    assert.deepEqual(path.steps.map((s) => [s.urn, s.seconds]), [["cluster", 420], ["adopted", ADOPTION_SECONDS]]);
    assert.equal(path.seconds, 420 + ADOPTION_SECONDS);
  });

  test("creation times: exact type first, then the longest prefix, else 5 s", () => {
    assert.equal(creationSeconds("azure-native:containerservice:ManagedCluster"), 420);
    assert.equal(creationSeconds("kubernetes:helm.sh/v3:Release"), 120);
    assert.equal(creationSeconds("kubernetes:core/v1:ConfigMap"), 2);
    assert.equal(creationSeconds("github:index/repository:Repository"), 5);
    assert.equal(creationSeconds("github:index/repositoryDeployKey:RepositoryDeployKey"), 2);
    assert.equal(creationSeconds("pulumi:providers:kubernetes"), 0);
    assert.equal(creationSeconds("aws:s3/bucket:Bucket"), 5);
    assert.equal(creationSeconds("constructor"), 5);
  });
});

test("a propagation wait takes exactly its createDuration", () => {
  assert.equal(goDurationSeconds("5m"), 300);
  assert.equal(goDurationSeconds("1m30s"), 90);
  assert.equal(goDurationSeconds("1h"), 3600);
  assert.equal(goDurationSeconds("soon"), undefined);
  assert.equal(stepSeconds({ type: "time:index/sleep:Sleep", inputs: { createDuration: "2m" } }), 120);
  assert.equal(stepSeconds({ type: "azure-native:containerservice:ManagedCluster", inputs: {} }), 420);
});

