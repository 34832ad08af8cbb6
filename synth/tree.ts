/** The resource tree synth prints: each component with its children, one line per resource. */
import type { GraphResource } from "./synthesize";

export function renderTree(resources: readonly GraphResource[]): string {
  const children = new Map<string | null, GraphResource[]>();
  const known = new Set(resources.map((r) => r.urn));
  for (const resource of resources) {
    const parent = resource.parent && known.has(resource.parent) ? resource.parent : null;
    const siblings = children.get(parent);
    if (siblings) siblings.push(resource);
    else children.set(parent, [resource]);
  }
  const lines: string[] = [];
  const walk = (parent: string | null, indent: string) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
    list.forEach((resource, i) => {
      const last = i === list.length - 1;
      const branch = parent === null ? "" : last ? "└─ " : "├─ ";
      const flags = `${resource.import ? " [import]" : ""}${resource.protect ? " [protected]" : ""}`;
      lines.push(`${indent}${branch}${resource.type} ${resource.name}${flags}`);
      walk(resource.urn, parent === null ? indent : indent + (last ? "   " : "│  "));
    });
  };
  walk(null, "");
  const custom = resources.filter((r) => r.custom).length;
  lines.push(`${resources.length} resources (${custom} custom, ${resources.length - custom} components)`);
  return lines.join("\n");
}
