/** Deploy rules for Key Vault: who may touch its keys through ARM, and who can reach it at all. */
import { BUILT_IN_ROLES as BUILT_IN_ROLE_IDS } from "../../components/azure/role-ids";
import { federation, grantees, IDENTITY, namedBy, ownName, RESOURCE_GROUP, unlinkedMessage } from "../links";
import { assignedRoleGuid, CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy, text } from "../types";
import { ASSIGNMENT, propagationWaitsAfter } from "./grants";
import { graphOf, isFinding } from "./graph-input";

const KEY_VAULT = "azure-native:keyvault:Vault";
const KEY = "azure-native:keyvault:Key";
const SECRET = "azure-native:keyvault:Secret";
const CLUSTER = "azure-native:containerservice:ManagedCluster";
const AGENT_POOL = "azure-native:containerservice:AgentPool";
const PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint";


/** Roles whose data actions create, read and delete keys (or secrets) of a vault. */
const KEY_MANAGERS = new Set<string>([BUILT_IN_ROLE_IDS["Key Vault Crypto Officer"], BUILT_IN_ROLE_IDS["Key Vault Administrator"]]);
const SECRET_MANAGERS = new Set<string>([BUILT_IN_ROLE_IDS["Key Vault Secrets Officer"], BUILT_IN_ROLE_IDS["Key Vault Administrator"]]);
/** Every built-in role with Key Vault data actions: holding one means calling the vault's data plane. */
const DATA_ROLES = new Set<string>(
  (
    [
      "Key Vault Administrator",
      "Key Vault Crypto Officer",
      "Key Vault Crypto User",
      "Key Vault Crypto Service Encryption User",
      "Key Vault Secrets Officer",
      "Key Vault Secrets User",
    ] as const
  ).map((role) => BUILT_IN_ROLE_IDS[role]),
);

/** The vault an ARM scope is, or lies in (`.../vaults/<name>[/keys/<key>]`), lower-cased. */
export function vaultOfScope(scope: string): string | undefined {
  return /\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)/i.exec(scope)?.[1]?.toLowerCase();
}

/** Whether an ARM scope covers a vault: the vault itself, or its resource group or subscription. */
function scopeCovers(scope: string, vault: { name: string; resourceGroupName: string }): boolean {
  const lower = scope.toLowerCase().replace(/\/+$/, "");
  const named = vaultOfScope(lower);
  if (named) return named === vault.name && !/\/vaults\/[^/]+\/./.test(lower);
  if (/^\/subscriptions\/[^/]+$/.test(lower)) return true;
  return new RegExp(`^/subscriptions/[^/]+/resourcegroups/${escape(vault.resourceGroupName)}$`).test(lower);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Grants of a Key Vault key or secret managing role, by the vault their scope names
 * (vaultOfScope), and those whose scope names no vault (a resource group, a subscription).
 */
function managerGrantsByVault(assignments: readonly CheckedResource[]): { byVault: Map<string, CheckedResource[]>; unnamed: CheckedResource[] } {
  const byVault = new Map<string, CheckedResource[]>();
  const unnamed: CheckedResource[] = [];
  for (const grant of assignments) {
    const guid = assignedRoleGuid(grant);
    if (!KEY_MANAGERS.has(guid) && !SECRET_MANAGERS.has(guid)) continue;
    const vault = vaultOfScope(text(get(grant.props, "scope")));
    if (vault === undefined) unnamed.push(grant);
    else {
      const list = byVault.get(vault);
      if (list) list.push(grant);
      else byVault.set(vault, [grant]);
    }
  }
  return { byVault, unnamed };
}

/**
 * Keys (and secrets) that Pulumi creates in an RBAC-mode vault need a data-plane role for whoever
 * runs Pulumi: ARM checks it even for keys made through ARM (ForbiddenByRbac ... keys/read,
 * pulumi/pulumi-azure-native#890, Azure/bicep#6539), and azure-native deletes keys through the
 * data plane (custom_keyvault.go). The grant must have propagated before the key is created.
 */
export const keyVaultObjectsWaitForDataPlaneGrant: PlatformPolicy = {
  name: "key-vault-objects-wait-for-data-plane-grant",
  description:
    "Every Key Vault key or secret that Pulumi creates waits for a data-plane grant on its vault (Crypto Officer or Secrets Officer, or Administrator) for whoever runs Pulumi, and for that grant's propagation wait.",
  enforcement: mandatory,
  check: (resources) => {
    const graph = graphOf(resources, "key-vault-objects-wait-for-data-plane-grant");
    if (isFinding(graph)) return [graph];
    const grants = managerGrantsByVault(ofType(resources, ASSIGNMENT));
    const waitsAfter = propagationWaitsAfter(graph, resources);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const findings: Finding[] = [];
    for (const object of resources.filter((r) => r.type === KEY || r.type === SECRET)) {
      // Path parameters: in props in synth, only through propertyDependencies under CrossGuard.
      const vaultName = namedBy(object, "vaultName", KEY_VAULT, byUrn);
      const groupName = namedBy(object, "resourceGroupName", RESOURCE_GROUP, byUrn);
      const vault = { name: (vaultName ?? "").toLowerCase(), resourceGroupName: (groupName ?? "").toLowerCase() };
      const roles = object.type === KEY ? KEY_MANAGERS : SECRET_MANAGERS;
      // Only grants on this vault by name, or on a scope that names no vault, can cover it.
      const waited = [...(grants.byVault.get(vault.name) ?? []), ...grants.unnamed].some(
        (grant) =>
          roles.has(assignedRoleGuid(grant)) &&
          scopeCovers(text(get(grant.props, "scope")), vault) &&
          waitsAfter(grant.urn).some((wait) => graph.waits(object.urn, wait)),
      );
      if (waited) continue;
      if (vaultName === undefined || groupName === undefined) {
        findings.push({
          urn: object.urn,
          message: `key-vault-objects-wait-for-data-plane-grant: cannot decide for ${object.name}, its vault or resource group is unknown (no vaultName/resourceGroupName in props and no such resource in its propertyDependencies)`,
        });
        continue;
      }
      findings.push({
        urn: object.urn,
        message: `${object.name} is created through ARM in an RBAC-mode vault without waiting for a propagated data-plane grant (Key Vault Crypto Officer or Secrets Officer) for whoever runs Pulumi: ARM answers ForbiddenByRbac`,
      });
    }
    return findings;
  },
};

/**
 * Identities that code in the cluster acts as (federated with a Kubernetes service account), by
 * principal id, and the credentials that cannot be linked to an identity (policy/links.ts).
 */
function inClusterPrincipals(resources: readonly CheckedResource[]): { principals: Map<string, string>; unlinked: CheckedResource[] } {
  const { byIdentity, unlinked } = federation(resources);
  const principals = new Map<string, string>();
  for (const identity of ofType(resources, IDENTITY)) {
    const principalId = text(get(identity.props, "principalId"));
    const federated = (byIdentity.get(identity.urn) ?? []).some((c) => text(get(c.props, "subject")).startsWith("system:serviceaccount:"));
    if (principalId && federated) principals.set(principalId, ownName(identity, "resourceName"));
  }
  return { principals, unlinked: unlinked.filter((c) => text(get(c.props, "subject")).startsWith("system:serviceaccount:")) };
}

/** The subnets the cluster's nodes are in; undefined for a pool in the VNet AKS manages. */
function nodeSubnets(resources: readonly CheckedResource[]): (string | undefined)[] {
  const inline = ofType(resources, CLUSTER).flatMap((c) => {
    const pools = get(c.props, "agentPoolProfiles");
    return Array.isArray(pools) ? pools.map((p) => text(get(p, "vnetSubnetID")) || undefined) : [];
  });
  const separate = ofType(resources, AGENT_POOL).map((p) => text(get(p.props, "vnetSubnetID")) || undefined);
  return [...inline, ...separate];
}

/**
 * Pods leave through their node's address: `bypass: AzureServices` does not cover them
 * (docs/DESIGN.md, "Runtime facts"). An in-cluster identity with a Key Vault data role is useless, and
 * Vault's seal crash-loops, unless the vault's network rules let the nodes in: it allows by
 * default, its virtualNetworkRules name every node subnet (with the Key Vault service endpoint),
 * or it has a private endpoint.
 */
export const inClusterKeyVaultCallersCanReachIt: PlatformPolicy = {
  name: "in-cluster-key-vault-callers-can-reach-it",
  description:
    "Every in-cluster identity (federated with a Kubernetes service account) granted a Key Vault data role can reach that vault: the vault allows by default, admits every node subnet in its virtualNetworkRules, or has a private endpoint.",
  enforcement: mandatory,
  check: (resources) => {
    const { principals: inCluster, unlinked } = inClusterPrincipals(resources);
    const vaults = new Map(ofType(resources, KEY_VAULT).map((v) => [ownName(v, "vaultName").toLowerCase(), v]));
    const subnets = nodeSubnets(resources);
    const privateLinked = new Set(
      ofType(resources, PRIVATE_ENDPOINT).flatMap((pe) => {
        const links = get(pe.props, "privateLinkServiceConnections");
        return Array.isArray(links) ? links.map((l) => vaultOfScope(text(get(l, "privateLinkServiceId")))).filter(Boolean) : [];
      }),
    );
    const granteeOf = grantees(resources);
    const findings = [];
    for (const grant of ofType(resources, ASSIGNMENT)) {
      const vaultName = vaultOfScope(text(get(grant.props, "scope")));
      if (!vaultName || !DATA_ROLES.has(assignedRoleGuid(grant))) continue;
      const identity = inCluster.get(text(get(grant.props, "principalId")));
      if (!identity) {
        // A service-account credential that names no identity may be this grantee's.
        const grantedTo = granteeOf(grant);
        if (grantedTo && unlinked.length > 0) {
          findings.push({ urn: grant.urn, message: `${grant.name}: ${unlinkedMessage("in-cluster-key-vault-callers-can-reach-it", unlinked)}` });
        }
        continue;
      }
      if (privateLinked.has(vaultName)) continue;
      const vault = vaults.get(vaultName);
      if (!vault) {
        findings.push({ urn: grant.urn, message: `in-cluster-key-vault-callers-can-reach-it: cannot decide, Key Vault ${vaultName} (granted to identity ${identity}) is not in the stack` });
        continue;
      }
      const acls = get(vault.props, "properties", "networkAcls");
      if (text(get(acls, "defaultAction")) !== "Deny") continue;
      const rules = get(acls, "virtualNetworkRules");
      const admitted = new Set(Array.isArray(rules) ? rules.map((rule) => text(get(rule, "id")).toLowerCase()) : []);
      const shutOut = subnets.filter((subnet) => subnet === undefined || !admitted.has(subnet.toLowerCase()));
      if (subnets.length > 0 && shutOut.length === 0) continue;
      const where = shutOut.some((subnet) => subnet === undefined) || subnets.length === 0 ? "nodes in the VNet AKS manages" : `node subnet ${shutOut[0]}`;
      findings.push({
        urn: grant.urn,
        message: `identity ${identity} calls Key Vault ${vaultName} from the cluster, but the vault denies by default and does not admit ${where}: put the nodes in a subnet with the Microsoft.KeyVault service endpoint and list it in the vault's virtualNetworkRules, or give the vault a private endpoint`,
      });
    }
    return findings;
  },
};
