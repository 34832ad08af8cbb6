/** Deploy rules for PodDisruptionBudgets. */
import { vaultChartDisruptionBudgets } from "../../components/kubernetes/vault-config";
import { vaultReleases } from "../rules/vault";
import { CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy } from "../types";

const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const WORKLOADS = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:ReplicaSet"];

export interface BudgetSpec {
  maxUnavailable?: number | string;
  minAvailable?: number | string;
}

/**
 * Why a budget can never allow a voluntary eviction, or undefined when it can (or when it
 * cannot be known). `replicas` is how many pods it selects, when known. The eviction API refuses
 * every eviction of such pods, so `kubectl drain`, AKS node-image and version upgrades wait and
 * then fail with UnsatisfiablePDB (Kubernetes "Specifying a Disruption Budget": maxUnavailable 0
 * or minAvailable 100% "will block node drains").
 */
export function unsatisfiableBecause(spec: BudgetSpec, replicas?: number): string | undefined {
  const { maxUnavailable, minAvailable } = spec;
  if (maxUnavailable === 0 || maxUnavailable === "0" || maxUnavailable === "0%") return `maxUnavailable ${JSON.stringify(maxUnavailable)} allows no eviction`;
  if (minAvailable === "100%") return "minAvailable 100% allows no eviction";
  const min = typeof minAvailable === "number" ? minAvailable : typeof minAvailable === "string" && /^\d+$/.test(minAvailable) ? Number(minAvailable) : undefined;
  if (min !== undefined && replicas !== undefined && min >= replicas) return `minAvailable ${min} with ${replicas} pod(s) allows no eviction`;
  return undefined;
}

const labelsMatch = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** The workloads of the graph by their namespace, in the graph's order. */
function workloadsByNamespace(resources: readonly CheckedResource[]): Map<unknown, CheckedResource[]> {
  const byNamespace = new Map<unknown, CheckedResource[]>();
  for (const r of resources) {
    if (!WORKLOADS.includes(r.type)) continue;
    const namespace = get(r.props, "metadata", "namespace");
    const list = byNamespace.get(namespace);
    if (list) list.push(r);
    else byNamespace.set(namespace, [r]);
  }
  return byNamespace;
}

/** Pods a budget selects, from the workloads in the same graph: undefined when none is known or the selector has expressions. */
function selectedReplicas(budget: CheckedResource, workloads: ReadonlyMap<unknown, readonly CheckedResource[]>): number | undefined {
  const namespace = get(budget.props, "metadata", "namespace");
  const selector = get(budget.props, "spec", "selector") as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined;
  if (!selector?.matchLabels || (selector.matchExpressions?.length ?? 0) > 0) return undefined;
  const selected = (workloads.get(namespace) ?? []).filter(
    (r) =>
      labelsMatch(selector.matchLabels!, (get(r.props, "spec", "template", "metadata", "labels") ?? {}) as Record<string, string>),
  );
  if (selected.length === 0) return undefined;
  return selected.reduce((sum, r) => sum + Number(get(r.props, "spec", "replicas") ?? 1), 0);
}

/**
 * A PodDisruptionBudget that no eviction can satisfy blocks every node drain: AKS upgrades and
 * node-image updates of the pool stop with UnsatisfiablePDB. Checked for explicit budgets and for
 * the budgets the Vault chart renders from a release's values (vaultChartDisruptionBudgets).
 */
export const noUnsatisfiableDisruptionBudgets: PlatformPolicy = {
  name: "no-unsatisfiable-pod-disruption-budgets",
  description:
    "No PodDisruptionBudget, explicit or rendered by a Helm release, that can never allow an eviction: it blocks node drains, so AKS upgrades fail with UnsatisfiablePDB.",
  enforcement: mandatory,
  check: (resources) => {
    const findings: Finding[] = [];
    const workloads = workloadsByNamespace(resources);
    for (const budget of ofType(resources, PDB)) {
      const why = unsatisfiableBecause((get(budget.props, "spec") ?? {}) as BudgetSpec, selectedReplicas(budget, workloads));
      if (why) findings.push({ urn: budget.urn, message: `PodDisruptionBudget ${budget.name}: ${why}; node drains and AKS upgrades would fail (UnsatisfiablePDB)` });
    }
    for (const release of vaultReleases(resources)) {
      for (const rendered of vaultChartDisruptionBudgets((get(release.props, "values") ?? {}) as Record<string, unknown>)) {
        const why = unsatisfiableBecause(rendered, rendered.replicas);
        if (why) {
          findings.push({
            urn: release.urn,
            message: `${release.name}: the chart renders a ${rendered.name} PodDisruptionBudget whose ${why} (${rendered.replicas} replica(s)); disable it (server.ha.disruptionBudget.enabled: false) below 3 replicas`,
          });
        }
      }
    }
    return findings;
  },
};
