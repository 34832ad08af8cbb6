/**
 * The generative config test's generator and graph check, without a synth: one seed gives one
 * sequence, and the check finds what the services refuse. Its runs over mutated sample stacks are
 * whole-stack: test/stacks/generative.test.ts (short) and `npm run test:generative` (long).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { applyCase, generatedCase, graphProblems } from "./generative";
import { pinTestDay } from "./helpers";
import type { SynthGraph } from "../synth/synthesize";

pinTestDay();

test("one seed, one sequence of configs", () => {
  const first = fc.sample(generatedCase, { seed: 42, numRuns: 5 }).map(applyCase);
  const again = fc.sample(generatedCase, { seed: 42, numRuns: 5 }).map(applyCase);
  assert.deepEqual(again, first);
  assert.notDeepEqual(fc.sample(generatedCase, { seed: 43, numRuns: 5 }).map(applyCase), first);
});

test("the graph check finds what the real services refuse: a credential name for two subjects, tags alike but for case, one Kubernetes object twice, a daily cap below the minimum, a name over its limit after a prefix, a ConfigMap over 1 MiB", () => {
  const resource = (urn: string, type: string, inputs: Record<string, unknown>, outputs: Record<string, unknown> = {}) =>
    ({ urn, type, name: urn, custom: true, parent: null, provider: null, dependencies: [], protect: false, inputs, outputs }) as SynthGraph["resources"][number];
  const credential = (urn: string, subject: string) =>
    resource(urn, "azure-native:managedidentity:FederatedIdentityCredential", { resourceName: "id", federatedIdentityCredentialResourceName: "web-my-app", subject });
  const graph: SynthGraph = {
    project: "p",
    stack: "s",
    outputs: {},
    resources: [
      credential("a", "system:serviceaccount:web:my-app"),
      credential("b", "system:serviceaccount:web:my.app"),
      resource("c", "azure-native:resources:ResourceGroup", { tags: { Owner: "x", owner: "y" } }),
      resource("d", "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository", { metadata: { name: "web", namespace: "web" } }),
      resource("e", "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository", { metadata: { name: "web", namespace: "web" } }),
      resource("f", "azure-native:managedidentity:UserAssignedIdentity", {}, { name: "x".repeat(129) }),
      resource("g", "azure-native:operationalinsights:Workspace", { workspaceCapping: { dailyQuotaGb: 0.01 } }),
      resource("h", "kubernetes:core/v1:Namespace", { metadata: { name: `platform-${"w".repeat(60)}` } }),
      resource("i", "kubernetes:core/v1:ConfigMap", { metadata: { name: "big", namespace: "web" }, data: { a: "x".repeat(1024 * 1024) } }),
    ],
  };
  const problems = graphProblems(graph);
  assert.equal(problems.length, 7, problems.join("\n"));
  assert.match(problems[0], /credential id\/web-my-app for two subjects/);
  assert.match(problems[1], /tag names that differ only by case/);
  assert.match(problems[2], /two resources make GitRepository\.source\.toolkit\.fluxcd\.io\|web\|web/);
  assert.match(problems[3], /identity name x+ is 129 characters/);
  assert.match(problems[4], /g: daily cap 0.01 GB, below Log Analytics' 0.023/);
  assert.match(problems[5], /^h: Namespace platform-w+: metadata.name is 69 characters/);
  assert.match(problems[6], /^i: ConfigMap big: its data is 1048577 bytes/);
});

