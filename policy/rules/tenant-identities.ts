/**
 * Tenant identities stay inside their tenant (issue 14, items 2-4). A tenant identity is a
 * managed identity federated with a service account of a tenant namespace: Entra lets exactly
 * the pods (or the Flux controller acting for an object) running as that account act as it, and
 * the tenant decides what runs there. So such an identity must trust no subject outside that
 * one namespace, and hold no role on what belongs to another tenant or to the platform.
 */
import { FLUX_TENANT_LABEL, TENANT_TAG } from "../../components/kubernetes/labels";
import { federation, grantees, IDENTITY, ownName, unlinkedMessage } from "../links";
import { CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy, text } from "../types";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const VAULT = "azure-native:keyvault:Vault";
const REGISTRY = "azure-native:containerregistry:Registry";
const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const SERVICE_ACCOUNT_SUBJECT = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** The vault an ARM scope is, or lies in, lower-cased; and whether the scope is the vault itself. */
function vaultScope(scope: string): { vault: string; whole: boolean } | undefined {
  const match = /\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)(\/.+)?$/i.exec(scope.replace(/\/+$/, ""));
  return match ? { vault: match[1].toLowerCase(), whole: match[2] === undefined } : undefined;
}

/** A subscription or resource group: it covers every vault in it, the platform's among them. */
function coversVaults(scope: string): boolean {
  return /^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?\/?$/i.test(scope) || /^\/providers\/Microsoft\.Management\//i.test(scope);
}

export const tenantIdentitiesIsolated: PlatformPolicy = {
  name: "tenant-identities-isolated",
  description:
    "An identity federated with a tenant namespace's service account trusts no subject outside that namespace, and holds no role on another tenant's Key Vault or container registry, on the platform's vault, on a scope that covers them, or on a Key Vault object another tenant's identity also holds.",
  enforcement: mandatory,
  check: (resources) => {
    const tenantOfNamespace = new Map<string, string>();
    for (const ns of ofType(resources, NAMESPACE)) {
      const tenant = text(get(ns.props, "metadata", "labels", FLUX_TENANT_LABEL));
      const name = text(get(ns.props, "metadata", "name"));
      if (tenant && name) tenantOfNamespace.set(name, tenant);
    }
    if (tenantOfNamespace.size === 0) return [];
    const findings: Finding[] = [];
    const { byIdentity, unlinked } = federation(resources);
    if (unlinked.length > 0) findings.push({ message: unlinkedMessage("tenant-identities-isolated", unlinked) });

    // Each tenant identity, with the one tenant whose namespace it is federated with.
    const tenantOf = new Map<string, string>();
    for (const identity of ofType(resources, IDENTITY)) {
      const subjects = (byIdentity.get(identity.urn) ?? []).map((c) => text(get(c.props, "subject")));
      const namespaces = subjects.map((s) => SERVICE_ACCOUNT_SUBJECT.exec(s)?.[1]);
      const tenants = [...new Set(namespaces.filter((ns): ns is string => ns !== undefined && tenantOfNamespace.has(ns)).map((ns) => tenantOfNamespace.get(ns)!))];
      if (tenants.length === 0) continue;
      const home = namespaces.find((ns) => ns !== undefined && tenantOfNamespace.get(ns) === tenants[0])!;
      tenantOf.set(identity.urn, tenants[0]);
      const outside = subjects.filter((_, i) => namespaces[i] !== home);
      if (outside.length > 0) {
        findings.push({
          urn: identity.urn,
          message: `${ownName(identity, "resourceName") || identity.name}: tenant ${tenants[0]}'s identity (namespace ${home}) also trusts ${outside.join(", ")}; federate a tenant identity with accounts of its own namespace only`,
        });
      }
    }

    const vaultTenant = new Map<string, string | undefined>();
    for (const vault of ofType(resources, VAULT)) {
      const tag = get(vault.props, "tags", TENANT_TAG);
      vaultTenant.set(ownName(vault, "vaultName").toLowerCase(), typeof tag === "string" ? tag : undefined);
    }
    // A tenant's registry (tagged with its tenant) is pulled by that tenant's identities and the kubelet only.
    const registryTenant = new Map<string, string>();
    for (const registry of ofType(resources, REGISTRY)) {
      const tag = get(registry.props, "tags", TENANT_TAG);
      if (typeof tag === "string") registryTenant.set(ownName(registry, "registryName").toLowerCase(), tag);
    }
    const holders = new Map<string, { scope: string; tenants: Set<string>; assignments: CheckedResource[] }>();
    const granteeOf = grantees(resources);
    for (const assignment of ofType(resources, ASSIGNMENT)) {
      const identity = granteeOf(assignment);
      const tenant = identity ? tenantOf.get(identity.urn) : undefined;
      const scope = text(get(assignment.props, "scope"));
      // A tenant's vault is read by that tenant's identities only (its admin groups write it).
      const inTenantVault = scope ? vaultScope(scope) : undefined;
      const vaultOwner = inTenantVault ? vaultTenant.get(inTenantVault.vault) : undefined;
      if (vaultOwner !== undefined && tenant === undefined && get(assignment.props, "principalType") !== "Group") {
        const who = identity ? `identity ${ownName(identity, "resourceName") || identity.name}, which no account of tenant ${vaultOwner}'s namespace alone acts as,` : "a principal this stack does not define";
        findings.push({ urn: assignment.urn, message: `${assignment.name}: grants ${who} a role in tenant ${vaultOwner}'s Key Vault ${inTenantVault!.vault}` });
        continue;
      }
      if (!tenant) continue;
      const say = (what: string) => findings.push({ urn: assignment.urn, message: `${assignment.name}: grants tenant ${tenant}'s identity a role ${what}` });
      if (!scope) {
        findings.push({ urn: assignment.urn, message: `${assignment.name}: tenant-identities-isolated: cannot decide, the scope is unknown` });
        continue;
      }
      const registry = /\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+)/i.exec(scope)?.[1]?.toLowerCase();
      const registryOwner = registry ? registryTenant.get(registry) : undefined;
      if (registryOwner !== undefined && registryOwner !== tenant) {
        say(`in tenant ${registryOwner}'s container registry ${registry}`);
        continue;
      }
      if (coversVaults(scope)) {
        say(`on ${scope}, which covers every Key Vault in it (other tenants' and the platform's)`);
        continue;
      }
      const inVault = vaultScope(scope);
      if (!inVault) continue;
      const owner = vaultTenant.get(inVault.vault);
      if (!vaultTenant.has(inVault.vault)) {
        say(`in Key Vault ${inVault.vault}, which is not part of this stack; cannot tell whose it is`);
      } else if (owner !== undefined && owner !== tenant) {
        say(`in tenant ${owner}'s Key Vault ${inVault.vault}`);
      } else if (owner === undefined && inVault.whole) {
        say(`on the platform's Key Vault ${inVault.vault}; a tenant identity gets its own tenant's vault, or one object in it`);
      }
      const key = scope.toLowerCase().replace(/\/+$/, "");
      const held = holders.get(key) ?? { scope, tenants: new Set<string>(), assignments: [] };
      held.tenants.add(tenant);
      held.assignments.push(assignment);
      holders.set(key, held);
    }
    for (const held of holders.values()) {
      if (held.tenants.size < 2) continue;
      for (const assignment of held.assignments) {
        findings.push({ urn: assignment.urn, message: `${assignment.name}: ${held.scope} is held by the identities of tenants ${[...held.tenants].sort().join(" and ")}; a Key Vault object belongs to one tenant` });
      }
    }
    return findings;
  },
};
