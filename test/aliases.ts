/** Aliases as the engine matches state by them: a resource's own, and those its parents' aliases give it. */
import type { RecordedResource } from "../synth/engine";

/**
 * Every URN the engine would match a resource's old state by: its aliases, and for each alias of
 * its parent, its type and name under that alias (step_generator.go: a child inherits its
 * parent's aliases).
 */
export function effectiveAliases(resources: readonly Pick<RecordedResource, "urn" | "type" | "name" | "parent" | "aliases">[]): Map<string, Set<string>> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const memo = new Map<string, Set<string>>();
  const of = (urn: string): Set<string> => {
    const known = memo.get(urn);
    if (known) return known;
    const resource = byUrn.get(urn)!;
    const aliases = new Set(resource.aliases);
    if (resource.parent && byUrn.has(resource.parent)) {
      for (const parentAlias of of(resource.parent)) {
        const [prefix, project, qualifiedType] = parentAlias.split("::");
        const parentIsStack = qualifiedType === "pulumi:pulumi:Stack";
        aliases.add(`${prefix}::${project}::${parentIsStack ? "" : `${qualifiedType}$`}${resource.type}::${resource.name}`);
      }
    }
    memo.set(urn, aliases);
    return aliases;
  };
  return new Map(resources.map((r) => [r.urn, of(r.urn)]));
}
