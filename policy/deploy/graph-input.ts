/** The resource graph a deploy rule reads, or the finding that it cannot read one. */
import { GraphNode, ResourceGraph } from "../graph";
import { CheckedResource, Finding } from "../types";

/**
 * The graph of `resources`, or a finding naming the rule that cannot decide: a rule about
 * ordering must never pass silently because it was handed no dependency links.
 */
export function graphOf(resources: readonly CheckedResource[], rule: string): ResourceGraph | Finding {
  const nodes: GraphNode[] = [];
  for (const r of resources) {
    if (!r.links) return { message: `${rule}: cannot decide, the resources carry no dependency links (parent, provider, dependencies)` };
    nodes.push({ urn: r.urn, type: r.type, ...r.links });
  }
  return new ResourceGraph(nodes);
}

export function isFinding(value: ResourceGraph | Finding): value is Finding {
  return !(value instanceof ResourceGraph);
}
