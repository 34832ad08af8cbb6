/**
 * Stack names and GitHub environments that must not collide across the repository's stacks
 * (docs/layered-stacks.md, "Stack names"). A tenant stack is `tenants/Pulumi.<env>-<name>.yaml`
 * (project gitops-platform-tenants), a platform stack `Pulumi.<stack>.yaml` (project
 * gitops-platform); synth (`npm run synth -- <stack>`), stacks:changed and the workflows tell
 * them apart by name alone, and the GitHub environments the stacks create are one namespace per
 * repository (case-insensitive): each gates the identities that trust it. Checked where tenant
 * stacks are loaded (stacks/load.ts parseWithTenantStacks), before any resource exists.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { ciDriftEnvironment } from "../components/azure/ci-identity";
import { tenantDeployerEnvironment } from "../components/azure/tenant-deployer";
import { sharedCiSchema } from "./config-shape";
import { isProduction } from "./environments";
import { formatPath, PLATFORM_KEY, problemAt } from "./errors";
import { PLATFORM_STACK_KEY, platformStackNames, readStackYaml, TENANTS_DIR, tenantStackNames, TenantStackFile } from "./tenant-stacks";

/** One GitHub environment a platform stack creates, and the key of its config that names it. */
interface PlatformEnvironment {
  name: string;
  key: (string | number)[];
}

/** The GitHub environments a platform stack's CI identity creates (ciEnvironments), from its raw config; none without `ci`. */
function platformEnvironments(raw: unknown, stack: string): PlatformEnvironment[] {
  const platform = (typeof raw === "object" && raw !== null ? raw : {}) as { environment?: unknown; ci?: unknown };
  const environment = typeof platform.environment === "string" ? platform.environment : stack;
  const parsed = sharedCiSchema(environment).safeParse(platform.ci);
  // An invalid ci section is that stack's own problem, reported when it is loaded.
  if (!parsed.success || parsed.data === undefined) return [];
  const ci = parsed.data;
  const production = isProduction(environment);
  return [
    { name: ci.previewEnvironment, key: ["ci", "previewEnvironment"] },
    production ? { name: ci.productionEnvironment, key: ["ci", "productionEnvironment"] } : { name: environment, key: ["environment"] },
    ...(ci.driftReport ? [{ name: ciDriftEnvironment(environment), key: ["ci", "driftReport"] }] : []),
  ];
}

function platformRaw(projectRoot: string, stack: string): unknown {
  try {
    return (readStackYaml(projectRoot, `Pulumi.${stack}.yaml`) as { config?: Record<string, unknown> } | null)?.config?.[PLATFORM_KEY];
  } catch {
    return undefined;
  }
}

const keyOf = (stack: string, key: (string | number)[]) => `Pulumi.${stack}.yaml ${PLATFORM_KEY}.${formatPath(key)}`;

/**
 * The collisions of platform stack `stack` (its config `raw`, its tenant stack files `files`)
 * with the rest of the repository, each naming the file and key to change:
 *
 * - a tenant stack whose name is a platform stack's (`tenants/Pulumi.dev-x.yaml` beside
 *   `Pulumi.dev-x.yaml`): synth and stacks:changed take one for the other, and the tenant
 *   deployer's environment and Actions variable (`dev-x`, AZURE_CLIENT_ID_DEPLOY_DEV_X) are that
 *   platform stack's deploy environment and variable;
 * - a tenant stack file that names a platform stack other than the one that reads it;
 * - a tenant deployer's GitHub environment (the tenant stack's name) that is a platform stack's
 *   CI environment (preview, deploy, drift), in either direction: one environment would gate two
 *   identities, and a preview environment admits every branch.
 */
export function stackNameProblems(projectRoot: string, stack: string, raw: unknown, files: readonly TenantStackFile[]): string[] {
  const problems: string[] = [];
  const platforms = platformStackNames(projectRoot);
  const ownCi = platformEnvironments(raw, stack);

  for (const file of files) {
    if (platforms.includes(file.stack)) {
      problems.push(
        `${file.file}: the tenant stack ${file.stack} has the name of the platform stack Pulumi.${file.stack}.yaml: synth, stacks:changed and the workflows tell stacks apart by name, and its deployer's environment and Actions variable would be that stack's; rename the file (Pulumi.<environment>-<name>.yaml, a name no platform stack has)`,
      );
    }
    if (file.platformStack !== undefined && file.platformStack.split("/").pop() !== stack) {
      problems.push(`${file.file}: ${PLATFORM_STACK_KEY}: names ${file.platformStack}, but the platform stack that reads this file as its tenant stack is ${stack} (Pulumi.${stack}.yaml)`);
    }
  }
  // A tenant stack file of another environment that has this platform stack's name.
  if (existsSync(path.join(projectRoot, TENANTS_DIR, `Pulumi.${stack}.yaml`)) && !files.some((f) => f.stack === stack)) {
    problems.push(
      `${TENANTS_DIR}/Pulumi.${stack}.yaml: the tenant stack ${stack} has the name of this platform stack (Pulumi.${stack}.yaml): synth, stacks:changed and the workflows tell stacks apart by name; rename the tenant stack file`,
    );
  }

  // GitHub environments: this stack's deployers against every platform stack's CI environments...
  if (ownCi.length > 0) {
    const others = platforms.filter((p) => p !== stack).map((p) => ({ stack: p, environments: platformEnvironments(platformRaw(projectRoot, p), p) }));
    for (const file of files) {
      const deployer = tenantDeployerEnvironment(file.stack).toLowerCase();
      for (const platform of [{ stack, environments: ownCi }, ...others]) {
        for (const taken of platform.environments.filter((e) => e.name.toLowerCase() === deployer)) {
          problems.push(
            `${file.file}: its deployer's GitHub environment ${file.stack} is also ${keyOf(platform.stack, taken.key)} ("${taken.name}"): one environment would gate two identities; rename the tenant stack file or that environment`,
          );
        }
      }
    }
  }
  // ... and this stack's CI environments against every other environment's tenant deployers.
  const mine = new Set(files.map((f) => f.stack));
  for (const platform of platforms.filter((p) => p !== stack)) {
    if (platformEnvironments(platformRaw(projectRoot, platform), platform).length === 0) continue;
    const environment = ((platformRaw(projectRoot, platform) as { environment?: unknown } | undefined)?.environment as string | undefined) ?? platform;
    for (const tenant of tenantStackNames(projectRoot, environment).filter((t) => !mine.has(t))) {
      for (const taken of ownCi.filter((e) => e.name.toLowerCase() === tenantDeployerEnvironment(tenant).toLowerCase())) {
        problems.push(
          problemAt(
            taken.key,
            `the GitHub environment "${taken.name}" is also the deployer environment of the tenant stack ${TENANTS_DIR}/Pulumi.${tenant}.yaml (of Pulumi.${platform}.yaml): one environment would gate two identities; rename one of them`,
          ),
        );
      }
    }
  }
  return problems;
}
