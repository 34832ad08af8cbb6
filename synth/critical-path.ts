/**
 * The deployment's critical path: the longest chain of resources the engine must create one
 * after another, from the synth graph, with an estimate of how long it takes.
 *
 * The engine starts a resource once what it waits for exists (creationDependencies: its
 * dependencies, its provider, and what the components above it waited for); a component is not
 * a step of its own, so depending on one means depending on everything inside it. Durations are
 * typical creation times (below); the estimate is only as good as that table.
 */
import { creationDependencies } from "../policy/graph";
import type { GraphResource } from "./synthesize";

export { creationDependencies };

/**
 * Typical creation times in seconds, from Azure and Kubernetes experience (AKS ~6-8 min, a
 * Key Vault ~30 s, Helm releases that wait for readiness ~1-3 min). Matched by exact type, then
 * by prefix; unknown custom resources count 5 s.
 */
export const CREATION_SECONDS: Record<string, number> = {
  "azure-native:resources:ResourceGroup": 5,
  "azure-native:containerservice:ManagedCluster": 420,
  "azure-native:containerservice:AgentPool": 240,
  "azure-native:containerservice:MaintenanceConfiguration": 10,
  "azure-native:managedidentity:UserAssignedIdentity": 10,
  "azure-native:managedidentity:FederatedIdentityCredential": 10,
  "azure-native:authorization:RoleAssignment": 20,
  "azure-native:keyvault:Vault": 30,
  "azure-native:keyvault:Key": 5,
  "azure-native:keyvault:Secret": 5,
  "azure-native:kubernetesconfiguration:Extension": 240,
  "azure-native:kubernetesconfiguration:FluxConfiguration": 60,
  "kubernetes:helm.sh/v3:Release": 120,
  "kubernetes:batch/v1:Job": 60,
  "kubernetes:": 2,
  "tls:": 1,
  "random:": 1,
  "github:index/repository:Repository": 5,
  "github:": 2,
  "pulumi:providers:": 0,
};

/**
 * An adopted resource (the `import` option) is not created: the engine reads it and, where the
 * program's inputs differ, updates it in place (pulumi/pulumi#19339). That is counted as an
 * in-place update of about a minute (an AKS agent pool's tags, taints or autoscaler bounds),
 * whatever the type would take to create.
 */
export const ADOPTION_SECONDS = 60;

export function creationSeconds(type: string): number {
  if (Object.hasOwn(CREATION_SECONDS, type)) return CREATION_SECONDS[type];
  const prefix = Object.keys(CREATION_SECONDS)
    .filter((p) => p.endsWith(":") && type.startsWith(p))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? CREATION_SECONDS[prefix] : 5;
}

/** A Go duration ("5m", "1m30s", "90s") in whole seconds, or undefined when it is not one. */
export function goDurationSeconds(text: unknown): number | undefined {
  if (typeof text !== "string" || !/^(\d+(\.\d+)?(h|m|s|ms))+$/.test(text)) return undefined;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let seconds = 0;
  for (const [, value, , u] of text.matchAll(/(\d+(\.\d+)?)(ms|h|m|s)/g)) seconds += Number(value) * unit[u];
  return Math.round(seconds);
}

/**
 * How long the engine spends on a resource of the graph: an adopted one its update; a wait
 * (time.Sleep) exactly its `createDuration`, which is what makes the propagation waits show where
 * they lie; anything else its type's typical creation time.
 */
export function stepSeconds(resource: Pick<GraphResource, "type" | "import"> & { inputs?: GraphResource["inputs"] }): number {
  if (resource.import) return ADOPTION_SECONDS;
  if (resource.type === "time:index/sleep:Sleep") return goDurationSeconds(resource.inputs?.createDuration) ?? 0;
  return creationSeconds(resource.type);
}

export interface CriticalPath {
  /** The chain, first created first. */
  steps: { urn: string; type: string; name: string; seconds: number }[];
  seconds: number;
}

export function criticalPath(resources: readonly GraphResource[]): CriticalPath {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const waits = creationDependencies(resources);
  const finish = new Map<string, { seconds: number; previous?: string }>();
  const visiting = new Set<string>();
  const finishOf = (urn: string): number => {
    const known = finish.get(urn);
    if (known) return known.seconds;
    if (visiting.has(urn)) throw new Error(`dependency cycle through ${urn}`);
    visiting.add(urn);
    let start = 0;
    let previous: string | undefined;
    for (const dep of [...(waits.get(urn) ?? [])].sort()) {
      const end = finishOf(dep);
      if (end > start) [start, previous] = [end, dep];
    }
    visiting.delete(urn);
    const seconds = start + stepSeconds(byUrn.get(urn)!);
    finish.set(urn, { seconds, previous });
    return seconds;
  };
  let last: string | undefined;
  let total = 0;
  for (const urn of [...waits.keys()].sort()) {
    const end = finishOf(urn);
    if (end > total) [total, last] = [end, urn];
  }
  const steps: CriticalPath["steps"] = [];
  for (let urn = last; urn; urn = finish.get(urn)?.previous) {
    const r = byUrn.get(urn)!;
    steps.unshift({ urn, type: r.type, name: r.name, seconds: stepSeconds(r) });
  }
  return { steps, seconds: total };
}

export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${String(seconds % 60).padStart(2, "0")}s` : `${seconds}s`;
}

export function renderCriticalPath(path: CriticalPath): string {
  const chain = path.steps.map((s) => `${s.type.split(":").pop()} ${s.name} (${formatDuration(s.seconds)})`).join("\n  -> ");
  return `Critical path: ${path.steps.length} resources, about ${formatDuration(path.seconds)}\n  ${chain}`;
}
