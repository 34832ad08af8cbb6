/**
 * What makes an update lose data: the stateful resources and the inputs whose change makes the
 * provider replace them (delete, then create). Used by synth:diff to put a replacement at the top
 * of a pull request's report, and by the replacement tests (test/replacement-check.ts). Pure.
 */

/** What the table needs of a resource: a synth graph's or the mock engine's record. */
export interface ResourceShape {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface StatefulKind {
  what: string;
  matches(r: ResourceShape): boolean;
  /**
   * Input paths whose change makes the provider replace the resource: the physical name and its
   * location. "*" means every input (the random provider replaces on any change).
   */
  identity: string[][] | "*";
}

const isType = (type: string) => (r: ResourceShape) => r.type === type;

export const STATEFUL_KINDS: StatefulKind[] = [
  { what: "resource group", matches: isType("azure-native:resources:ResourceGroup"), identity: [["resourceGroupName"], ["location"]] },
  // The Key Vault's name is `kv-<env>-<suffix>`, a registry's `acr<tenant><env><suffix>`: a new
  // suffix is a new vault or registry. (A key's name suffix is not stateful: it only names a key
  // when the key is created.)
  {
    what: "name suffix (Key Vault, registry)",
    matches: (r) => r.type === "random:index/randomString:RandomString" && !r.name.endsWith("-name-suffix"),
    identity: "*",
  },
  { what: "Key Vault", matches: isType("azure-native:keyvault:Vault"), identity: [["vaultName"], ["resourceGroupName"], ["location"]] },
  { what: "Key Vault key", matches: isType("azure-native:keyvault:Key"), identity: [["keyName"], ["vaultName"], ["resourceGroupName"], ["properties", "kty"]] },
  {
    what: "AKS cluster",
    matches: isType("azure-native:containerservice:ManagedCluster"),
    // Auto-named: the engine keeps the name of an existing cluster as long as the URN stays.
    identity: [["resourceName"], ["dnsPrefix"], ["resourceGroupName"], ["location"], ["networkProfile"], ["agentPoolProfiles", "0", "name"]],
  },
  { what: "AKS node pool", matches: isType("azure-native:containerservice:AgentPool"), identity: [["agentPoolName"], ["resourceName"], ["resourceGroupName"]] },
  // A tenant's images: `acr<tenant><env><suffix>`, named when created (the suffix is matched above).
  { what: "container registry", matches: isType("azure-native:containerregistry:Registry"), identity: [["registryName"], ["resourceGroupName"], ["location"]] },
  {
    what: "Vault Helm release (its raft storage)",
    matches: (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "vault",
    identity: [["name"], ["namespace"], ["chart"], ["repositoryOpts", "repo"]],
  },
  // The audit log and the metrics history: a new workspace starts empty.
  { what: "Log Analytics workspace", matches: isType("azure-native:operationalinsights:Workspace"), identity: [["workspaceName"], ["resourceGroupName"], ["location"]] },
  {
    what: "Azure Monitor workspace",
    matches: isType("azure-native:monitor:AzureMonitorWorkspace"),
    identity: [["azureMonitorWorkspaceName"], ["resourceGroupName"], ["location"]],
  },
  {
    what: "Vault namespace (deleting it deletes the storage)",
    matches: (r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs.metadata as { name?: string } | undefined)?.name === "vault",
    identity: [["metadata", "name"]],
  },
];

export function statefulKindOf(r: ResourceShape): StatefulKind | undefined {
  return STATEFUL_KINDS.find((kind) => kind.matches(r));
}

/**
 * The changed input paths (`a.b[0].c`, as synth:diff lists them) that make the provider replace
 * a resource of this kind.
 */
export function replacingPaths(kind: StatefulKind, changedPaths: readonly string[]): string[] {
  if (kind.identity === "*") return [...changedPaths];
  const identities = kind.identity.map((keys) => keys.join("."));
  return changedPaths.filter((p) => {
    const dotted = p.replace(/\[(\d+)\]/g, ".$1");
    return identities.some((id) => dotted === id || dotted.startsWith(`${id}.`));
  });
}
