/**
 * `npm run tenants:move -- <platform stack> <tenant>=<tenant stack> [...] [--org ORG] [--config FILE]`: the
 * `pulumi state move` commands that move inline tenants' Flux side (Git source and deploy key,
 * Flux sources, alerts) from the platform stack to their tenant stacks, without replacing
 * anything. Run it before the tenants move to tenants/Pulumi.<stack>.yaml (it reads the inline
 * form; after it, `--config` a copy of the stack file from before the move, outside the project
 * root, as prod's own move does: docs/layered-stacks.md). Each moved component lands under the tenant stack's root (state_move.go reparents what
 * loses its parent), where GitOpsTenant's alias on the tenant side expects it
 * (docs/layered-stacks.md walks through the whole migration).
 */
import { PROJECT } from "./engine";
import { synthesize } from "./synthesize";
import type { GraphResource } from "./synthesize";
import { TENANTS_PROJECT } from "../stacks/tenant-stacks";

/** The tenant side's components, which move; everything under them moves with them. */
export const FLUX_SIDE_TYPES: ReadonlySet<string> = new Set(["gitops-platform:kubernetes:GitSource", "gitops-platform:kubernetes:FluxSources", "gitops-platform:kubernetes:FluxNotifications"]);
const TENANT_TYPE = "gitops-platform:kubernetes:Tenant";

/** The top-level URNs of a tenant's Flux side in the single-stack graph: the components whose parent is the tenant's namespace component. */
export function fluxSideUrns(resources: readonly GraphResource[], tenantResourceName: string): string[] {
  const tenant = resources.find((r) => r.type === TENANT_TYPE && r.name === tenantResourceName);
  if (!tenant) return [];
  return resources
    .filter((r) => r.parent === tenant.urn && FLUX_SIDE_TYPES.has(r.type))
    .map((r) => r.urn)
    .sort();
}

/**
 * The URN `pulumi state move` gives a moved resource: the moved component whose parent stays
 * behind lands under the destination's root, and its children keep their chain below it
 * (state_move.go rewriteURNs: the parent's qualified type, then the resource's type).
 */
export function movedUrn(urn: string, movedType: string, destination: { stack: string; project: string }): string {
  const [, , qualifiedType, ...name] = urn.split("::");
  const chain = qualifiedType.split("$");
  const from = chain.indexOf(movedType);
  if (from === -1) throw new Error(`${urn} is not under a ${movedType}`);
  return `urn:pulumi:${destination.stack}::${destination.project}::${chain.slice(from).join("$")}::${name.join("::")}`;
}

const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

export async function moveCommands(platformStack: string, moves: readonly { tenant: string; stack: string }[], organization: string, configFile?: string): Promise<string[]> {
  const { graph } = await synthesize({ stack: platformStack, configFile });
  return moves.map(({ tenant, stack }) => {
    const urns = fluxSideUrns(graph.resources, `platform-${tenant}`);
    if (urns.length === 0) throw new Error(`tenant ${tenant} has no Flux side inline in ${platformStack} (already moved, or not a tenant of it)`);
    return [
      `pulumi state move --source ${organization}/${PROJECT}/${platformStack} --dest ${organization}/${TENANTS_PROJECT}/${stack} --yes`,
      ...urns.map(quote),
    ].join(" \\\n  ");
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  const usage = "usage: npm run tenants:move -- <platform stack> <tenant>=<tenant stack> [...] [--org ORG] [--config FILE]";
  const args = [...argv];
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    if (at === -1) return undefined;
    const value = args[at + 1] ?? "";
    args.splice(at, 2);
    return value;
  };
  const organization = option("--org") ?? "organization";
  const configFile = option("--config");
  if (configFile === "") {
    console.error(usage);
    return 1;
  }
  const [platformStack, ...pairs] = args;
  const moves = pairs.map((pair) => /^([a-z0-9-]+)=([A-Za-z0-9_.-]+)$/.exec(pair)).map((m) => m && { tenant: m[1], stack: m[2] });
  if (!platformStack || moves.length === 0 || moves.some((m) => m === null) || !organization) {
    console.error(usage);
    return 1;
  }
  try {
    for (const command of await moveCommands(platformStack, moves as { tenant: string; stack: string }[], organization, configFile)) console.log(`${command}\n`);
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
}

if (require.main === module) main(process.argv.slice(2)).then((code) => (process.exitCode = code));
