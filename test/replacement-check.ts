/**
 * What makes an update lose data: the stateful resources (matched by URN) and the inputs whose
 * change makes the provider replace them. Shared by the whole-stack replacement test
 * (test/stacks/replacement.test.ts) and the component-level one (test/replacement.test.ts).
 */
import { RecordedResource } from "../synth/engine";

export interface Stateful {
  what: string;
  matches(r: RecordedResource): boolean;
  /**
   * Input paths whose change makes the provider replace the resource (delete, then create):
   * the physical name and its location. "*" means every input (the random provider replaces
   * on any change).
   */
  identity: string[][] | "*";
}

export const isType = (type: string) => (r: RecordedResource) => r.type === type;

export const STATEFUL: Stateful[] = [
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
    matches: (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.values.chart === "vault",
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
    matches: (r) => r.type === "kubernetes:core/v1:Namespace" && (r.values.metadata as { name?: string }).name === "vault",
    identity: [["metadata", "name"]],
  },
];

/**
 * Whether an input path is under one of the resource's ignoreChanges paths: the engine then sends
 * the old value, so the provider never sees a change there (pulumi/pulumi, processIgnoreChanges).
 */
export function ignored(resource: RecordedResource, keys: string[]): boolean {
  return resource.ignoreChanges.some((path) => {
    const ignoredKeys = path.replace(/\[(\*|\d+)\]/g, ".$1").split(".");
    return ignoredKeys.length <= keys.length && ignoredKeys.every((key, i) => key === "*" || key === keys[i]);
  });
}

function at(value: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), value);
}

/** What would be replaced (or deleted) going from `base` to `next`: one line per problem. */
export function replacements(base: readonly RecordedResource[], next: readonly RecordedResource[]): string[] {
  const byUrn = new Map(next.map((r) => [r.urn, r]));
  const problems: string[] = [];
  for (const kind of STATEFUL) {
    for (const before of base.filter(kind.matches)) {
      const after = byUrn.get(before.urn);
      if (!after) {
        problems.push(`${kind.what} ${before.urn}: gone (its URN changed or it was dropped)`);
        continue;
      }
      if (after.protect !== before.protect) problems.push(`${kind.what} ${before.name}: protect ${before.protect} -> ${after.protect}`);
      const paths = kind.identity === "*" ? [[]] : kind.identity;
      for (const keys of paths) {
        if (ignored(after, keys)) continue;
        const [a, b] = [at(before.values, keys), at(after.values, keys)];
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          problems.push(`${kind.what} ${before.name}: ${keys.join(".") || "inputs"} ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
        }
      }
      // The physical name the provider gave it (auto-named resources, the random suffix).
      for (const key of ["name", "result"]) {
        if (JSON.stringify(before.outputs[key]) !== JSON.stringify(after.outputs[key])) {
          problems.push(`${kind.what} ${before.name}: ${key} output ${JSON.stringify(before.outputs[key])} -> ${JSON.stringify(after.outputs[key])}`);
        }
      }
    }
  }
  return problems;
}

/** The provider resource a resource's provider reference names (its URN, or the engine's `<urn>::<id>`). */
function providerOf(resource: RecordedResource, all: readonly RecordedResource[]): RecordedResource | undefined {
  const reference = resource.provider;
  if (!reference) return undefined;
  return all.find((r) => r.urn === reference || reference.startsWith(`${r.urn}::`));
}

/**
 * The inputs whose change makes pulumi-kubernetes replace a Secret (provider/pkg/provider/diff.go,
 * forceNewProperties): its name and namespace always; `type`, `stringData` and `data` too unless
 * its provider sets enableSecretMutable and the Secret is not immutable. A named Secret is then
 * replaced delete-first (provider.go Diff, deleteBeforeReplace), so it is missing in between.
 */
export function secretReplacePaths(secret: RecordedResource, provider: RecordedResource | undefined): string[][] {
  const mutable = provider !== undefined && String(provider.values.enableSecretMutable) === "true" && secret.values.immutable !== true;
  return [["metadata", "name"], ["metadata", "namespace"], ["type"], ...(mutable ? [] : [["stringData"], ["data"]])];
}

/** Kubernetes Secrets that going from `base` to `next` would replace (delete, then create) rather than patch. */
export function secretReplacements(base: readonly RecordedResource[], next: readonly RecordedResource[]): string[] {
  const byUrn = new Map(next.map((r) => [r.urn, r]));
  const problems: string[] = [];
  for (const before of base.filter(isType("kubernetes:core/v1:Secret"))) {
    const after = byUrn.get(before.urn);
    if (!after) continue;
    for (const keys of secretReplacePaths(after, providerOf(after, next))) {
      if (ignored(after, keys)) continue;
      if (JSON.stringify(at(before.values, keys)) !== JSON.stringify(at(after.values, keys))) problems.push(`Secret ${before.name}: ${keys.join(".")} changed, the provider replaces it`);
    }
  }
  return problems;
}
