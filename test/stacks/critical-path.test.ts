/**
 * The deployment's critical path (synth/critical-path.ts) in the real dev and prod graphs: the
 * only serial chains are the intrinsic ones (resource group -> cluster -> Flux -> tenant objects;
 * Key Vault -> key -> Vault), and tenants, identities and Vault do not wait on each other. The
 * algorithm on hand-built graphs: test/critical-path.test.ts.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { creationDependencies, criticalPath, renderCriticalPath } from "../../synth/critical-path";
import { GraphResource, synthesize } from "../../synth/synthesize";
import { inlineStackFile } from "../environments";
import { pinTestDay } from "../helpers";

pinTestDay();

test("the dev graph: the Key Vault propagation waits lie on the path only as far as they outlast the cluster", async () => {
  const { resources } = (await synthesize({ stack: "dev" })).graph;
  const path = criticalPath(resources);
  const names = path.steps.map((s) => s.name);
  // Dev has no user pool: Vault could start once the cluster (7 min) is there, but its seal key
  // waits for the deployers' data-plane grant and its own grant to propagate (2 x 5 min).
  assert.deepEqual(names, [
    "platform-rg",
    "platform-kv",
    names[2],
    "platform-kv-data-plane-wait",
    "platform-vault-seal-key",
    "platform-vault-seal-crypto",
    "platform-vault-seal-grant-wait",
    "platform-vault",
    "platform-vault-bootstrap",
    "platform-vault-rollout",
  ]);
  assert.match(names[2], /^platform-kv-crypto-officer-/);
  assert.equal(path.seconds, 5 + 30 + 20 + 300 + 5 + 20 + 300 + 120 + 60 + 60);
});

describe("the prod graph", () => {
  let resources: GraphResource[];
  let byUrn: Map<string, GraphResource>;
  /** Everything a custom resource waits for, transitively. */
  let closure: (urn: string) => ReadonlySet<string>;

  /** The nearest ancestor component of a type, if any. */
  const ancestor = (r: GraphResource, type: string): GraphResource | undefined => {
    for (let p = r.parent ? byUrn.get(r.parent) : undefined; p; p = p.parent ? byUrn.get(p.parent) : undefined) if (p.type === type) return p;
    return undefined;
  };
  const customs = () => resources.filter((r) => r.custom);
  const tenantOf = (r: GraphResource) => ancestor(r, "gitops-platform:kubernetes:Tenant")?.name;
  const inVault = (r: GraphResource) => ancestor(r, "gitops-platform:kubernetes:Vault") !== undefined;
  const short = (urn: string) => `${byUrn.get(urn)!.type} ${byUrn.get(urn)!.name}`;

  before(async () => {
    // Prod in the single-stack form (its tenant stacks' tenants inline): the whole deployment's path, every tenant's Flux side included.
    resources = (await synthesize({ stack: "prod", configFile: inlineStackFile("prod") })).graph.resources;
    byUrn = new Map(resources.map((r) => [r.urn, r]));
    const waits = creationDependencies(resources);
    const memo = new Map<string, Set<string>>();
    closure = (urn) => {
      const known = memo.get(urn);
      if (known) return known;
      const all = new Set<string>();
      memo.set(urn, all);
      for (const dep of waits.get(urn) ?? []) {
        all.add(dep);
        for (const further of closure(dep)) all.add(further);
      }
      return all;
    };
  });

  test("the partition the checks below rely on is not empty", () => {
    assert.deepEqual([...new Set(customs().map(tenantOf).filter(Boolean))].sort(), ["platform-api", "platform-payments", "platform-web"]);
    assert.ok(customs().filter(inVault).length >= 10);
    const workloadIdentities = resources.filter((r) => r.type === "gitops-platform:azure:WorkloadIdentity").map((r) => r.name);
    assert.ok(workloadIdentities.includes("platform-web-sops") && workloadIdentities.includes("platform-vault-server"), workloadIdentities.join(", "));
  });

  test("the system pool is adopted, not created: the graph carries its import ID and only it does", () => {
    const adopted = resources.filter((r) => r.import !== undefined);
    assert.deepEqual(adopted.map((r) => `${r.type} ${r.name}`), ["azure-native:containerservice:AgentPool platform-aks-system"]);
    const cluster = resources.find((r) => r.type === "azure-native:containerservice:ManagedCluster")!;
    assert.ok(
      adopted[0].import!.endsWith(`/providers/Microsoft.ContainerService/managedClusters/${String(cluster.outputs.name)}/agentPools/system`),
      adopted[0].import,
    );
  });

  test("the intrinsic chains are there: the closure sees them", () => {
    const one = (type: string, name: string) => resources.find((r) => r.type === type && r.name === name)!.urn;
    const kustomization = one("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", "platform-web-git-sync");
    assert.ok(closure(kustomization).has(one("kubernetes:helm.sh/v3:Release", "platform-flux")), "tenant sync waits for the Flux install");
    assert.ok(closure(kustomization).has(one("azure-native:containerservice:ManagedCluster", "platform-aks")), "... which waits for the cluster");
    const vaultRelease = one("kubernetes:helm.sh/v3:Release", "platform-vault");
    assert.ok(closure(vaultRelease).has(one("azure-native:keyvault:Key", "platform-vault-seal-key")), "Vault waits for its unseal key");
    assert.ok(closure(vaultRelease).has(one("azure-native:keyvault:Vault", "platform-kv")), "... in the Key Vault");
  });

  test("no tenant resource waits for a Vault resource, and no Vault resource for a tenant's", () => {
    for (const r of customs()) {
      const waits = [...closure(r.urn)].map((u) => byUrn.get(u)!);
      if (tenantOf(r)) assert.deepEqual(waits.filter(inVault).map((w) => w.name), [], `${short(r.urn)} waits for Vault`);
      if (inVault(r)) assert.deepEqual(waits.filter(tenantOf).map((w) => w.name), [], `${short(r.urn)} waits for a tenant`);
    }
  });

  test("a tenant's objects do not wait for another tenant's", () => {
    for (const r of customs()) {
      const tenant = tenantOf(r);
      if (!tenant) continue;
      const others = [...closure(r.urn)].filter((u) => {
        const owner = tenantOf(byUrn.get(u)!);
        return owner !== undefined && owner !== tenant;
      });
      assert.deepEqual(others.map(short), [], `${short(r.urn)} (${tenant}) waits for another tenant`);
    }
  });

  test("the workload identities of the tenants' SOPS and of Vault wait for no tenant's Kubernetes objects, and not for each other", () => {
    const identityOwner = (r: GraphResource) => {
      const identity = ancestor(r, "gitops-platform:azure:WorkloadIdentity");
      if (!identity) return undefined;
      if (ancestor(identity, "gitops-platform:kubernetes:TenantSops")) return `sops:${identity.name}`;
      if (ancestor(identity, "gitops-platform:kubernetes:Vault")) return `vault:${identity.name}`;
      return undefined;
    };
    const identities = customs().filter((r) => identityOwner(r));
    assert.ok(identities.length >= 10, "three tenants' and two Vault workload identities, two resources each");
    for (const r of identities) {
      const waits = [...closure(r.urn)].map((u) => byUrn.get(u)!);
      assert.deepEqual(
        waits.filter((w) => tenantOf(w) && w.type.startsWith("kubernetes:")).map((w) => w.name),
        [],
        `${short(r.urn)} waits for a tenant's Kubernetes objects`,
      );
      const others = waits.filter((w) => identityOwner(w) && identityOwner(w) !== identityOwner(r));
      assert.deepEqual(others.map((w) => w.name), [], `${short(r.urn)} waits for another workload identity`);
    }
  });

  test("the critical path: resource group, identity, its subnet grant and propagation wait, cluster, user pool, Vault release, bootstrap Job, rollout Job", () => {
    // With user pools the system pool is tainted, so Vault's pods wait for the user pool. The
    // control-plane identity needs Network Contributor on the platform subnet before AKS creates
    // the cluster in it: that wait truly lies on the path. The deployer's and the workloads' Key
    // Vault waits overlap the cluster's creation.
    const path = criticalPath(resources);
    assert.deepEqual(
      path.steps.map((s) => s.type),
      [
        "azure-native:resources:ResourceGroup",
        "azure-native:managedidentity:UserAssignedIdentity",
        "azure-native:authorization:RoleAssignment",
        "time:index/sleep:Sleep",
        "azure-native:containerservice:ManagedCluster",
        "azure-native:containerservice:AgentPool",
        "kubernetes:helm.sh/v3:Release",
        "kubernetes:batch/v1:Job",
        "kubernetes:batch/v1:Job",
      ],
    );
    // The rollout waits for the bootstrap: it must not restart pods under it.
    assert.deepEqual(path.steps.map((s) => s.name), [
      "platform-rg",
      "platform-aks-identity",
      "platform-aks-network-contributor-subnet",
      "platform-aks-subnet-grant-wait",
      "platform-aks",
      "platform-aks-apps",
      "platform-vault",
      "platform-vault-bootstrap",
      "platform-vault-rollout",
    ]);
    // 915 s before the platform VNet, plus the grant (20 s) and its wait (300 s) only.
    assert.equal(path.seconds, 915 + 20 + 300);
    assert.match(renderCriticalPath(path), /^Critical path: 9 resources, about 20m35s$/m);
  });
});
