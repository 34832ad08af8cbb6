/**
 * The resource graph as the engine sees it: what each resource waits for before it can be
 * created. Shared by synth's critical path and by the deploy rules, so both read the graph the
 * same way. Works on anything with the engine's links (a synth graph resource, or a CrossGuard
 * resource adapted to this shape).
 */

/** A resource with the links the engine reads from its registration. */
export interface GraphNode {
  urn: string;
  type: string;
  /** False for component resources, which are not created themselves. */
  custom: boolean;
  parent: string | null;
  provider: string | null;
  dependencies: readonly string[];
}

/**
 * For every custom resource, the custom resources whose creation it must wait for. This follows
 * what the SDK awaits before it sends a resource's registration (so what the engine can start):
 *
 * - its dependencies (`dependsOn` and the resources behind its input values) and its provider;
 * - the same for every component above it: a child registers only once its parent's URN is
 *   known, and a component's URN is known only once the component itself was registered, after
 *   its own dependencies and provider were created (so `dependsOn` on a component holds back
 *   everything inside it);
 * - its nearest custom ancestor, if any: a custom parent's URN is known once it was created.
 *
 * A dependency on a component means every custom resource inside it, not looking inside custom
 * resources (the SDK's own expansion, `getAllTransitivelyReferencedResources`). Components are not
 * steps of their own and get no entry.
 */
export function creationDependencies(resources: readonly GraphNode[]): Map<string, Set<string>> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, string[]>();
  for (const r of resources) {
    if (!r.parent) continue;
    const list = children.get(r.parent);
    if (list) list.push(r.urn);
    else children.set(r.parent, [r.urn]);
  }

  // Each component is expanded once, however many resources depend on it.
  const expanded = new Map<string, readonly string[]>();
  const customsOf = (urn: string): readonly string[] => {
    const resource = byUrn.get(urn);
    if (!resource) return [];
    if (resource.custom) return [urn];
    const known = expanded.get(urn);
    if (known) return known;
    const found = new Set<string>();
    const seen = new Set<string>([urn]);
    const pending = [...(children.get(urn) ?? [])];
    while (pending.length > 0) {
      const child = pending.pop()!;
      if (seen.has(child)) continue;
      seen.add(child);
      if (byUrn.get(child)!.custom) found.add(child);
      else pending.push(...(children.get(child) ?? []));
    }
    const list = [...found];
    expanded.set(urn, list);
    return list;
  };
  const direct = (r: GraphNode, into: Set<string>) => {
    for (const dep of r.dependencies) for (const custom of customsOf(dep)) into.add(custom);
    if (r.provider) for (const custom of customsOf(r.provider)) into.add(custom);
  };

  // What a resource inherits from its parent: a custom parent itself, or everything a component
  // parent (and the components above it) waited for. Memoized per component.
  const inherited = new Map<string, ReadonlySet<string>>();
  const fromParent = (parentUrn: string | null, path: Set<string> = new Set()): ReadonlySet<string> => {
    const parent = parentUrn ? byUrn.get(parentUrn) : undefined;
    if (!parent) return new Set();
    if (parent.custom) return new Set([parent.urn]);
    const known = inherited.get(parent.urn);
    if (known) return known;
    if (path.has(parent.urn)) throw new Error(`parent cycle through ${parent.urn}`);
    path.add(parent.urn);
    const waits = new Set(fromParent(parent.parent, path));
    direct(parent, waits);
    inherited.set(parent.urn, waits);
    return waits;
  };

  const waits = new Map<string, Set<string>>();
  for (const r of resources) {
    if (!r.custom) continue;
    const before = new Set(fromParent(r.parent));
    direct(r, before);
    before.delete(r.urn);
    waits.set(r.urn, before);
  }
  return waits;
}


/** The graph with its transitive waits: does one resource wait for another before it is created? */
export class ResourceGraph {
  readonly byUrn: ReadonlyMap<string, GraphNode>;
  private readonly direct: Map<string, Set<string>>;
  private readonly closure = new Map<string, ReadonlySet<string>>();
  /** Each node's children, in the order of the nodes. */
  private readonly children = new Map<string, GraphNode[]>();
  private readonly customs = new Map<string, readonly string[]>();

  constructor(nodes: readonly GraphNode[]) {
    this.byUrn = new Map(nodes.map((n) => [n.urn, n]));
    this.direct = creationDependencies(nodes);
    for (const node of nodes) {
      if (node.parent === null) continue;
      const siblings = this.children.get(node.parent);
      if (siblings) siblings.push(node);
      else this.children.set(node.parent, [node]);
    }
  }

  /** Every custom resource `urn` waits for, directly or through what it waits for. */
  waitsFor(urn: string): ReadonlySet<string> {
    const known = this.closure.get(urn);
    if (known) return known;
    const found = new Set<string>();
    const pending = [...(this.direct.get(urn) ?? [])];
    while (pending.length > 0) {
      const next = pending.pop()!;
      if (found.has(next)) continue;
      found.add(next);
      pending.push(...(this.direct.get(next) ?? []));
    }
    this.closure.set(urn, found);
    return found;
  }

  /**
   * What `urn` names in its own dependencies (dependsOn and the resources behind its inputs), a
   * component standing for every custom resource inside it; not its provider or parents.
   */
  directDependencies(urn: string): string[] {
    const node = this.byUrn.get(urn);
    if (!node) return [];
    return [...new Set(node.dependencies.flatMap((dep) => this.customsIn(dep)))];
  }

  /** A custom resource itself, or every custom resource inside a component (not looking inside custom resources). Memoized. */
  customsIn(urn: string): readonly string[] {
    const node = this.byUrn.get(urn);
    if (!node) return [];
    if (node.custom) return [urn];
    const known = this.customs.get(urn);
    if (known) return known;
    const found = (this.children.get(urn) ?? []).flatMap((child) => this.customsIn(child.urn));
    this.customs.set(urn, found);
    return found;
  }

  /** Whether `from` is created only after `to` exists. */
  waits(from: string, to: string): boolean {
    return this.waitsFor(from).has(to);
  }
}
