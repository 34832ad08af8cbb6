import assert from "node:assert/strict";
import { test } from "node:test";
import { changedPaths, diffGraphs, renderDiffMarkdown } from "../synth/diff";
import type { GraphResource, SynthGraph } from "../synth/synthesize";
import { graphResource } from "./helpers";

const stackUrn = (stack: string) => `urn:pulumi:${stack}::gitops-platform::pulumi:pulumi:Stack::gitops-platform-${stack}`;

function resource(stack: string, type: string, name: string, inputs: Record<string, unknown>, extra: Partial<GraphResource> = {}): GraphResource {
  const urn = `urn:pulumi:${stack}::gitops-platform::pulumi:pulumi:Stack$${type}::${name}`;
  return graphResource({ urn, type, name, parent: stackUrn(stack), inputs, ...extra });
}

function graph(stack: string, resources: GraphResource[]): SynthGraph {
  const root = graphResource({ urn: stackUrn(stack), type: "pulumi:pulumi:Stack", name: `gitops-platform-${stack}`, custom: false });
  return { project: "gitops-platform", stack, resources: [root, ...resources], outputs: {} };
}

const NS = "kubernetes:core/v1:Namespace";
const SECRET = "kubernetes:core/v1:Secret";

test("changed input paths are leaf paths with array indices", () => {
  assert.deepEqual(changedPaths({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1, 3, 4] } }), ["a.b", "a.c[1]", "a.c[2]"]);
  assert.deepEqual(changedPaths({ a: 1 }, { a: 1 }), []);
});

test("added, removed and changed resources, with secrets only said to have changed", () => {
  const base = graph("dev", [
    resource("dev", NS, "web", { metadata: { labels: { tier: "a" } } }),
    resource("dev", NS, "old", {}),
    resource("dev", SECRET, "hook", { stringData: "[secret]" }, { secrets: { stringData: "aaaaaaaaaaaa" } }),
  ]);
  const head = graph("dev", [
    resource("dev", NS, "web", { metadata: { labels: { tier: "b" } } }, { protect: true }),
    resource("dev", NS, "new", {}),
    resource("dev", SECRET, "hook", { stringData: "[secret]" }, { secrets: { stringData: "bbbbbbbbbbbb" } }),
  ]);
  const diff = diffGraphs(base, head);
  assert.deepEqual(
    diff.changes.map((c) => [c.kind, c.name, c.paths, c.secretPaths, c.notes]),
    [
      ["added", "new", [], [], []],
      ["removed", "old", [], [], []],
      ["changed", "web", ["metadata.labels.tier"], [], ["protect: false -> true"]],
      ["changed", "hook", [], ["stringData"], []],
    ],
  );
  assert.equal(diff.unchanged, 1, "the stack itself");
  const markdown = renderDiffMarkdown(base, head);
  assert.match(markdown, /^\*\*1 to add, 2 to change, 1 to remove, 1 unchanged\*\*$/m);
  assert.match(markdown, /^\| `kubernetes:core\/v1:Namespace` \| 1 \| 1 \| 1 \|$/m);
  assert.match(markdown, /^ {2}- `stringData` \(secret changed\)$/m);
  assert.match(markdown, /^```mermaid\ngraph LR$/m);
  assert.match(markdown, /:::added/);
  assert.doesNotMatch(markdown, /aaaaaaaaaaaa|bbbbbbbbbbbb/, "fingerprints are not printed");
});

test("dev and prod compare resource by resource despite the stack name in URNs", () => {
  const dev = graph("dev", [resource("dev", NS, "web", { metadata: { name: "web" } })]);
  const prod = graph("prod", [resource("prod", NS, "web", { metadata: { name: "web" } })]);
  const diff = diffGraphs(dev, prod);
  assert.deepEqual(diff.changes, []);
  assert.equal(diff.unchanged, 2);
  assert.match(renderDiffMarkdown(dev, prod), /No changes\./);
});

test("an added resource that is adopted (the import option) says so: it is not created", () => {
  const pool = "azure-native:containerservice:AgentPool";
  const id = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c/agentPools/system";
  const head = graph("prod", [resource("prod", pool, "aks-system", {}, { import: id }), resource("prod", pool, "aks-apps", {})]);
  const diff = diffGraphs(graph("prod", []), head);
  assert.deepEqual(
    diff.changes.map((c) => [c.kind, c.name, c.notes]),
    [
      ["added", "aks-apps", []],
      ["added", "aks-system", [`adopted, not created: imports \`${id}\``]],
    ],
  );
  assert.match(renderDiffMarkdown(graph("prod", []), head), /^ {2}- adopted, not created: imports `\/subscriptions\/.*\/agentPools\/system`$/m);
});

test("an environment's graph of several stacks: each tenant stack's root and providers are its own, so a tenant stack added shows as added", () => {
  const tenantRoot = (stack: string) =>
    graphResource({ urn: `urn:pulumi:${stack}::gitops-platform-tenants::pulumi:pulumi:Stack::gitops-platform-tenants-${stack}`, type: "pulumi:pulumi:Stack", name: `gitops-platform-tenants-${stack}`, custom: false, stack });
  // Each tenant stack has a Kubernetes provider of the same name.
  const provider = (stack: string) =>
    graphResource({ urn: `urn:pulumi:${stack}::gitops-platform-tenants::pulumi:providers:kubernetes::cluster`, type: "pulumi:providers:kubernetes", name: "cluster", stack });
  const base = graph("stage", [tenantRoot("stage-commerce"), provider("stage-commerce")]);
  const head = graph("stage", [tenantRoot("stage-commerce"), provider("stage-commerce"), tenantRoot("stage-payments"), provider("stage-payments")]);
  const diff = diffGraphs(base, head);
  assert.deepEqual(diff.changes.map((c) => [c.kind, c.name]).sort(), [["added", "cluster"], ["added", "gitops-platform-tenants-stage-payments"]]);
  assert.equal(diff.unchanged, 3, "the platform's root, stage-commerce's root and its provider");
});
