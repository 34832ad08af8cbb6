/**
 * The indexes the policies build once per check (issue 28 item 3) answer what the per-resource
 * scans they replaced answered: which identity a grant goes to, which credentials an identity
 * has, which custom resources a component stands for, which propagation waits follow a grant.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PROPAGATION_WAIT_TYPE } from "../components/azure/propagation";
import { propagationWaitsAfter } from "../policy/deploy/grants";
import { graphOf, isFinding } from "../policy/deploy/graph-input";
import { ResourceGraph } from "../policy/graph";
import { CREDENTIAL, federation, grantees, IDENTITY } from "../policy/links";
import { CheckedResource, Links } from "../policy/types";

const ASSIGNMENT = "azure-native:authorization:RoleAssignment";

function resource(urn: string, type: string, props: Record<string, unknown> = {}, links: Partial<Links> = {}): CheckedResource {
  return {
    urn,
    type,
    name: urn,
    props,
    protect: false,
    links: { custom: true, parent: null, provider: null, dependencies: [], ...links },
  };
}

test("grantees: the first identity with the grant's principalId, else the identity its principalId came from, else none", () => {
  const first = resource("id-a", IDENTITY, { principalId: "p1" });
  const second = resource("id-b", IDENTITY, { principalId: "p1" });
  const linked = resource("id-c", IDENTITY, {});
  const byValue = resource("g1", ASSIGNMENT, { principalId: "p1" });
  const byLink = resource("g2", ASSIGNMENT, {}, { propertyDependencies: { principalId: ["not-an-identity", "id-c"] } });
  const nobody = resource("g3", ASSIGNMENT, { principalId: "p9" });
  const granteeOf = grantees([first, second, linked, byValue, byLink, nobody]);
  assert.equal(granteeOf(byValue), first, "two identities with one principal id: the first, as a scan would find it");
  assert.equal(granteeOf(byLink), linked);
  assert.equal(granteeOf(nobody), undefined);
});

test("federation: credentials by identity name or link, in order; a credential naming no identity of the stack is linked to none", () => {
  const identity = resource("id-a", IDENTITY, { resourceName: "tenant-a" });
  const twin = resource("id-b", IDENTITY, { resourceName: "tenant-a" });
  const c1 = resource("c1", CREDENTIAL, { resourceName: "tenant-a" });
  const c2 = resource("c2", CREDENTIAL, {}, { propertyDependencies: { resourceName: ["id-b"] } });
  const c3 = resource("c3", CREDENTIAL, { resourceName: "elsewhere" });
  const c4 = resource("c4", CREDENTIAL, {});
  const { byIdentity, unlinked } = federation([identity, twin, c1, c2, c3, c4]);
  assert.deepEqual([...byIdentity.entries()].map(([urn, cs]) => [urn, cs.map((c) => c.urn)]), [
    ["id-a", ["c1"]],
    ["id-b", ["c1", "c2"]],
  ]);
  assert.deepEqual(unlinked.map((c) => c.urn), ["c4"]);
});

test("ResourceGraph.customsIn: every custom resource inside nested components, not inside custom ones, in order", () => {
  const graph = new ResourceGraph([
    { urn: "comp", type: "x:index:Comp", custom: false, parent: null, provider: null, dependencies: [] },
    { urn: "a", type: "x:index:A", custom: true, parent: "comp", provider: null, dependencies: [] },
    { urn: "inner", type: "x:index:Comp", custom: false, parent: "comp", provider: null, dependencies: [] },
    { urn: "b", type: "x:index:B", custom: true, parent: "inner", provider: null, dependencies: [] },
    { urn: "under-a", type: "x:index:C", custom: true, parent: "a", provider: null, dependencies: [] },
    { urn: "c", type: "x:index:C", custom: true, parent: "comp", provider: null, dependencies: [] },
    { urn: "user", type: "x:index:U", custom: true, parent: null, provider: null, dependencies: ["comp"] },
  ]);
  assert.deepEqual(graph.customsIn("comp"), ["a", "b", "c"]);
  assert.deepEqual(graph.customsIn("comp"), ["a", "b", "c"], "the memoized answer is the same");
  assert.deepEqual(graph.directDependencies("user"), ["a", "b", "c"]);
  assert.deepEqual(graph.customsIn("missing"), []);
});

test("propagationWaitsAfter: the waits that wait for a grant, directly or not, in stack order; none for a grant nothing waits for", () => {
  const resources = [
    resource("grant", ASSIGNMENT),
    resource("other-grant", ASSIGNMENT),
    resource("wait-2", PROPAGATION_WAIT_TYPE, {}, { dependencies: ["step"] }),
    resource("step", "x:index:Step", {}, { dependencies: ["grant"] }),
    resource("wait-1", PROPAGATION_WAIT_TYPE, {}, { dependencies: ["grant"] }),
    resource("unrelated-wait", PROPAGATION_WAIT_TYPE),
  ];
  const graph = graphOf(resources, "test");
  assert.ok(!isFinding(graph));
  const waitsAfter = propagationWaitsAfter(graph, resources);
  assert.deepEqual(waitsAfter("grant"), ["wait-2", "wait-1"]);
  assert.deepEqual(waitsAfter("other-grant"), []);
});
