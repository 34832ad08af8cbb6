/**
 * Deploy rule: a cluster with the managed Prometheus addon on has somewhere to send.
 *
 * `azureMonitorProfile.metrics.enabled` deploys the ama-metrics pods, and ARM accepts it alone;
 * but the addon learns where to send only from a data collection rule associated with the
 * cluster (a `Microsoft-PrometheusMetrics` data flow to an Azure Monitor workspace: the official
 * template, Azure/prometheus-collector AddonBicepTemplate, creates the rule and the association
 * with the profile). Without one the pods run and nothing reaches any workspace, silently.
 */
import { dependedOn } from "../links";
import { CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy, text } from "../types";
import { graphOf, isFinding } from "./graph-input";

const RULE = "managed-prometheus-has-a-destination";
const CLUSTER = "azure-native:containerservice:ManagedCluster";
const RULE_TYPE = "azure-native:monitor:DataCollectionRule";
const ASSOCIATION = "azure-native:monitor:DataCollectionRuleAssociation";
const PROMETHEUS_STREAM = "Microsoft-PrometheusMetrics";

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Whether a data collection rule has a Prometheus data flow to one of its Azure Monitor workspace destinations. */
export function forwardsPrometheus(rule: CheckedResource): boolean {
  const accounts = list(get(rule.props, "destinations", "monitoringAccounts"))
    .filter((account) => text(get(account, "accountResourceId")) !== "")
    .map((account) => text(get(account, "name")));
  return list(get(rule.props, "dataFlows")).some(
    (flow) =>
      list(get(flow, "streams")).includes(PROMETHEUS_STREAM) && list(get(flow, "destinations")).some((d) => accounts.includes(text(d))),
  );
}

export const managedPrometheusHasADestination: PlatformPolicy = {
  name: RULE,
  description: "A cluster with the managed Prometheus addon on has a data collection rule associated that forwards Prometheus metrics to an Azure Monitor workspace.",
  enforcement: mandatory,
  check: (resources) => {
    const graph = graphOf(resources, RULE);
    if (isFinding(graph)) return [graph];
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const associations = ofType(resources, ASSOCIATION);
    // Under CrossGuard `resourceUri` (an ARM path parameter) is no output: the link is its propertyDependencies.
    const unlinked = associations.filter((a) => a.links?.propertyDependencies?.["resourceUri"] === undefined).map((a) => a.name);
    const findings: Finding[] = [];
    for (const cluster of ofType(resources, CLUSTER).filter((c) => get(c.props, "azureMonitorProfile", "metrics", "enabled") === true)) {
      const own = associations.filter((a) => a.links?.propertyDependencies?.["resourceUri"]?.includes(cluster.urn));
      const rules = own.flatMap((a) => dependedOn(a, "dataCollectionRuleId", RULE_TYPE, byUrn));
      if (rules.some(forwardsPrometheus)) continue;
      findings.push({
        urn: cluster.urn,
        message:
          unlinked.length > 0
            ? `${RULE}: cannot decide for ${cluster.name}: data collection rule association(s) ${unlinked.join(", ")} name no resource (no propertyDependencies for resourceUri)`
            : `${cluster.name}: the managed Prometheus addon is on, but no data collection rule associated with the cluster forwards ${PROMETHEUS_STREAM} to an Azure Monitor workspace: the addon would collect and send nothing`,
      });
    }
    return findings;
  },
};
