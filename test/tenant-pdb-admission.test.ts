/**
 * Issue 24 item 12, the tenant's side: a PodDisruptionBudget that never allows an eviction would
 * hold every AKS node upgrade at the drain. The tenant's workload admission policy refuses one,
 * whoever writes it (its admins, its reconciler from Git), evaluated with a real CEL evaluator.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { Tenant } from "../components/tenant/namespace";
import { tenantWorkloadPolicy } from "../components/tenant/namespace-policy";
import { admit, PolicySpec, teamTenantArgs } from "./admission-cel";
import { run } from "./helpers";

const NAMESPACE = "team-a-dev";
const ADMIN_GROUP = "0b7e8c3a-1f2d-4e5a-9b6c-7d8e9f0a1b2c";
const TENANT_ADMIN = ["system:authenticated", ADMIN_GROUP];
const TENANT_RECONCILER = ["system:serviceaccounts", `system:serviceaccounts:${NAMESPACE}`, "system:authenticated"];
const PDB = { group: "policy", version: "v1", resource: "poddisruptionbudgets" };

function budget(spec: Record<string, unknown>) {
  return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "web", namespace: NAMESPACE }, spec: { selector: { matchLabels: { app: "web" } }, ...spec } };
}

async function rendered(): Promise<PolicySpec> {
  const result = await run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new Tenant("team-a", {
      ...teamTenantArgs(provider, NAMESPACE, ADMIN_GROUP),
    });
    return {};
  });
  const found = result.resources.filter((r) => r.values.kind === "ValidatingAdmissionPolicy" && (r.values.metadata as { name: string }).name === `tenant-workloads-${NAMESPACE}`);
  assert.equal(found.length, 1);
  return found[0].values.spec as PolicySpec;
}

const NEVER_EVICTS = [{ maxUnavailable: 0 }, { maxUnavailable: "0" }, { maxUnavailable: "0%" }, { maxUnavailable: "00%" }, { minAvailable: "100%" }];
const EVICTS = [{ maxUnavailable: 1 }, { maxUnavailable: "1" }, { maxUnavailable: "10%" }, { maxUnavailable: "50%" }, { minAvailable: 1 }, { minAvailable: "50%" }, { minAvailable: "99%" }, {}];

test("attack: a tenant's admin or its Git content creates a budget that never allows an eviction; the tenant's policy refuses it", async () => {
  const policy = await rendered();
  for (const groups of [TENANT_ADMIN, TENANT_RECONCILER]) {
    for (const spec of NEVER_EVICTS) {
      for (const operation of ["CREATE", "UPDATE"] as const) {
        const verdict = await admit(policy, { operation, resource: PDB, groups, object: budget(spec), oldObject: budget({ maxUnavailable: 1 }) });
        assert.equal(verdict.allowed, false, `${operation} ${JSON.stringify(spec)}`);
        if (!verdict.allowed) assert.match(verdict.message, /must allow at least one eviction.*maxUnavailable 1/);
      }
    }
  }
});

test("a budget that allows an eviction passes, and the PDB rule leaves other kinds alone", async () => {
  const policy = tenantWorkloadPolicy(NAMESPACE);
  for (const spec of EVICTS) {
    assert.deepEqual(await admit(policy, { operation: "CREATE", resource: PDB, groups: TENANT_RECONCILER, object: budget(spec) }), { allowed: true, matched: true }, JSON.stringify(spec));
  }
  // A Secret with a field named like the budget's is not a budget.
  const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "x", namespace: NAMESPACE }, type: "Opaque", spec: { maxUnavailable: 0 } };
  assert.equal((await admit(policy, { operation: "CREATE", resource: { group: "", version: "v1", resource: "secrets" }, groups: TENANT_ADMIN, object: secret })).allowed, true);
  // Deleting a budget is always allowed: it only ever frees a drain.
  assert.deepEqual(await admit(policy, { operation: "DELETE", resource: PDB, groups: TENANT_ADMIN, oldObject: budget({ maxUnavailable: 0 }) }), { allowed: true, matched: false });
});
