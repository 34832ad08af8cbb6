/**
 * The ingress policies over real component graphs (issue 30, item 1): every tenant namespace of a
 * cluster with the application routing add-on has its Ingress admission binding, nothing admits
 * the controller into a namespace without one, and the add-on's Key Vault grants are per secret.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as containerservice from "@pulumi/azure-native/containerservice";
import { AppRoutingAccess } from "../components/azure/app-routing-access";
import { assignRole } from "../components/azure/roles";
import { Tenant, TenantArgs } from "../components/tenant/namespace";
import { evaluatePolicies } from "../policy/evaluate";
import { checkedFromRecord } from "../policy/from-synth";
import { appRoutingGrantsScoped, tenantIngressAdmission } from "../policy/rules/ingress";
import { teamTenantArgs } from "./admission-cel";
import { run, TestRun } from "./helpers";

const context = { environment: "prod", production: true };
const VAULT_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-prod-1a2b3c";

async function graph(appRouting: boolean, tenants: { namespace: string; args: Partial<TenantArgs> }[]): Promise<TestRun> {
  return run(() => {
    new containerservice.ManagedCluster("aks", {
      resourceGroupName: "rg",
      ...(appRouting ? { ingressProfile: { webAppRouting: { enabled: true } } } : {}),
    });
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    for (const t of tenants) new Tenant(t.namespace, { ...teamTenantArgs(provider, t.namespace, undefined, { name: t.namespace }), ...t.args });
    return {};
  });
}
const findings = (r: TestRun, policy = tenantIngressAdmission) => evaluatePolicies(r.resources.map(checkedFromRecord), context, [policy]).map((f) => f.message);
const ingress = (hosts: string[]) => ({ ingress: { claims: { hosts, certificates: [] }, keyVaultName: "kv-prod-1a2b3c" } });

test("policy tenant-ingress-admission: the tenants as the platform builds them pass; a tenant namespace left without the binding is found", async () => {
  assert.deepEqual(findings(await graph(true, [{ namespace: "web", args: ingress(["www.example.com"]) }, { namespace: "api", args: ingress([]) }])), []);
  // The class: a tenant built without the ingress policy (as before this change) on a cluster with the add-on.
  assert.match(findings(await graph(true, [{ namespace: "web", args: ingress(["www.example.com"]) }, { namespace: "api", args: {} }])).join("\n"), /tenant namespace api has no Deny binding/);
  // Without the add-on no tenant needs one.
  assert.deepEqual(findings(await graph(false, [{ namespace: "api", args: {} }])), []);
});

test("policy tenant-ingress-admission: a namespace that admits the controller's namespace without the Ingress binding is found", async () => {
  const admitting = { allowIngressFromAddons: [{ name: "nginx", namespace: "app-routing-system", podLabels: {} }] };
  assert.match(findings(await graph(false, [{ namespace: "api", args: admitting }])).join("\n"), /allow-ingress-from-nginx: admits app-routing-system into api, which has no Ingress admission binding/);
});

test("policy app-routing-grants-scoped: the add-on's per-certificate grants pass; a vault-wide Key Vault grant under it is found", async () => {
  const access = await run(() => {
    new AppRoutingAccess("routing", { principalId: "p", dnsZoneIds: ["/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/dnszones/example.com"], keyVaultId: VAULT_ID, certificates: ["web-tls", "api-tls"] });
    return {};
  });
  assert.deepEqual(findings(access, appRoutingGrantsScoped), []);
  const grants = access.ofType("azure-native:authorization:RoleAssignment").map((g) => String(g.values.scope));
  assert.deepEqual(grants.sort(), [`${VAULT_ID}/secrets/api-tls`, `${VAULT_ID}/secrets/web-tls`, "/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/dnszones/example.com"].sort());

  class Wide extends AppRoutingAccess {
    constructor() {
      super("wide", { principalId: "p", dnsZoneIds: [], keyVaultId: VAULT_ID, certificates: [] });
      assignRole("wide-vault", { principalId: "p", role: "Key Vault Secrets User", scope: VAULT_ID }, { parent: this });
    }
  }
  const wide = await run(() => {
    new Wide();
    return {};
  });
  assert.match(findings(wide, appRoutingGrantsScoped).join("\n"), /wide-vault: the application routing add-on gets a Key Vault role on .*kv-prod-1a2b3c; grant it on each certificate's secret/);
});
