/**
 * Which stacks a change touches, for the workflows (preview.yml previews them, deploy.yml deploys
 * them: each environment's platform stack first, then its tenant stacks in a matrix). A file
 * maps to stacks by what reads it:
 *
 * - `tenants/Pulumi.<env>-<name>.yaml`: that tenant stack, and its environment's platform stack,
 *   which reads every tenant stack file (it builds the tenants' namespaces, quotas, identities, the
 *   deployer and the registry from them); no other tenant stack.
 * - `Pulumi.<env>.yaml`: that platform stack and every tenant stack of the environment (the
 *   contract they read comes from it, and they validate against it).
 * - the tenant program (`tenants/index.ts`, `tenants/Pulumi.yaml`): every tenant stack.
 * - what no stack's program reads (docs, tests, synth, benchmarks, workflows, the editor schema,
 *   Markdown): none.
 * - anything else (index.ts, components/, stacks/, policy/, package files, patches/): every stack,
 *   as does a diff that cannot be computed (a first push, a rewritten history).
 *
 * `npm run -s stacks:changed -- --base SHA --head SHA` (or `--all`) prints GitHub step outputs:
 * `preview` (a matrix of every touched stack), and per environment `<env>-platform` (true or
 * false) and `<env>-tenants` (a matrix of its touched tenant stacks, with the repositories each
 * one's GitHub token is limited to).
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { ciVariableNames } from "../components/azure/ci-identity";
import { PLATFORM_KEY } from "../stacks/errors";
import { parseWithTenantStacks } from "../stacks/load";
import { readStackYaml, TENANTS_DIR, TENANTS_PROJECT, tenantStackNames } from "../stacks/tenant-stacks";

/** The platform program's project (Pulumi.yaml `name`). */
const PLATFORM_PROJECT = "gitops-platform";

/** Every stack of the repository: the platform stacks by their files, each one's tenant stacks. */
export interface StackInventory {
  /** Platform stacks (`dev`, `prod`, `stage`). */
  platform: string[];
  /** Tenant stacks by platform stack. */
  tenants: Record<string, string[]>;
}

/** What a change touches. */
export interface TouchedStacks {
  platform: string[];
  tenants: string[];
}

/** The platform and tenant stacks of a project root, from their files. */
export function inventory(projectRoot: string): StackInventory {
  const platform = readdirSync(projectRoot)
    .map((file) => /^Pulumi\.([a-z0-9][a-z0-9-]*)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
  // A tenant stack belongs to the longest platform stack name it starts with (`prod-eu-a` to `prod-eu` over `prod`).
  const tenants: Record<string, string[]> = Object.fromEntries(platform.map((stack) => [stack, []]));
  for (const stack of platform) {
    for (const tenant of tenantStackNames(projectRoot, stack)) {
      if (platformOf(tenant, platform) === stack) tenants[stack].push(tenant);
    }
  }
  return { platform, tenants };
}

/** The platform stack a tenant stack's name belongs to, or undefined. */
export function platformOf(tenantStack: string, platform: readonly string[]): string | undefined {
  return [...platform].sort((a, b) => b.length - a.length).find((stack) => tenantStack.startsWith(`${stack}-`));
}

/** Paths no stack's program reads. */
const NO_STACK = [/^docs\//, /^test\//, /^bench\//, /^synth\//, /^\.github\//, /^schema\//, /^examples\//, /\.md$/i, /^\.gitignore$/, /^\.node-version$/, /^eslint\.config\.mjs$/, /^\.ci\//];

/** The stacks the changed files touch (deduplicated, in inventory order). */
export function touchedStacks(files: readonly string[], stacks: StackInventory): TouchedStacks {
  const platform = new Set<string>();
  const tenants = new Set<string>();
  const everything = () => {
    stacks.platform.forEach((s) => platform.add(s));
    Object.values(stacks.tenants).flat().forEach((t) => tenants.add(t));
  };
  for (const file of files) {
    const platformFile = /^Pulumi\.([a-z0-9][a-z0-9-]*)\.yaml$/.exec(file);
    const tenantFile = new RegExp(`^${TENANTS_DIR}/Pulumi\\.([a-z0-9][a-z0-9-]*)\\.yaml$`).exec(file);
    if (platformFile) {
      const stack = platformFile[1];
      // A removed or new platform stack file: the stack is deployed (or destroyed) by a person.
      if (!stacks.platform.includes(stack)) continue;
      platform.add(stack);
      stacks.tenants[stack].forEach((t) => tenants.add(t));
    } else if (tenantFile) {
      const stack = tenantFile[1];
      const owner = platformOf(stack, stacks.platform);
      if (owner === undefined) continue;
      platform.add(owner);
      // A removed tenant stack file: its tenants leave the platform's registry; the stack itself is destroyed by a person.
      if (stacks.tenants[owner].includes(stack)) tenants.add(stack);
    } else if (file.startsWith(`${TENANTS_DIR}/`)) {
      Object.values(stacks.tenants).flat().forEach((t) => tenants.add(t));
    } else if (!NO_STACK.some((pattern) => pattern.test(file))) {
      everything();
    }
  }
  const order = (list: readonly string[], set: Set<string>) => list.filter((s) => set.has(s));
  return { platform: order(stacks.platform, platform), tenants: order(Object.values(stacks.tenants).flat(), tenants) };
}

/** One entry of the preview matrix: the environment's platform stack (`stack`, whose preview identity and environment the job uses) and the stack to preview. */
export interface PreviewEntry {
  stack: string;
  suffix: string;
  project: string;
  name: string;
  /** The Pulumi project's directory: `.` or `tenants`. */
  dir: string;
}

/** One tenant stack of deploy.yml's matrix: its name (its environment), its variable suffix, its repositories. */
export interface TenantDeployEntry {
  name: string;
  suffix: string;
  /** The repositories its GitHub token is limited to (names under `owner`), comma-separated. */
  repositories: string;
  owner: string;
}

/** The variable suffix of a stack (`stage-payments` -> `STAGE_PAYMENTS`, as ciVariableNames writes it). */
export function variableSuffix(stack: string): string {
  return ciVariableNames(stack).deployClientId.slice("AZURE_CLIENT_ID_DEPLOY_".length);
}

export function previewMatrix(touched: TouchedStacks, stacks: StackInventory): PreviewEntry[] {
  return [
    ...touched.platform.map((stack) => ({ stack, suffix: variableSuffix(stack), project: PLATFORM_PROJECT, name: stack, dir: "." })),
    ...touched.tenants.map((name) => {
      const stack = platformOf(name, stacks.platform)!;
      return { stack, suffix: variableSuffix(stack), project: TENANTS_PROJECT, name, dir: TENANTS_DIR };
    }),
  ];
}

/** A tenant stack's repositories, by the owner they are under: what its deploy job's GitHub token may reach. */
export function tenantStackRepositories(projectRoot: string, platformStack: string, tenantStack: string): { owner: string; repositories: string[] } {
  const raw = (readStackYaml(projectRoot, `Pulumi.${platformStack}.yaml`) as { config?: Record<string, unknown> } | null)?.config?.[PLATFORM_KEY];
  const parsed = parseWithTenantStacks(raw, platformStack, { projectRoot });
  if (!parsed.ok) throw new Error(`${platformStack}: the stack config is invalid (npm run synth -- ${platformStack}):\n${parsed.problems.join("\n")}`);
  const repositories = parsed.config.tenants
    .filter((tenant) => parsed.tenantStacks[tenant.name] === tenantStack && tenant.git !== undefined)
    .map((tenant) => tenant.git!.repository);
  const owners = [...new Set(repositories.map((r) => r.split("/")[0].toLowerCase()))];
  if (owners.length > 1) {
    throw new Error(`tenants/Pulumi.${tenantStack}.yaml: its tenants' repositories are under ${owners.join(" and ")}: one GitHub token reaches one owner, so a tenant stack's repositories share one`);
  }
  return { owner: repositories[0]?.split("/")[0] ?? "", repositories: repositories.map((r) => r.split("/")[1]) };
}

/** The GitHub step outputs for a change: `preview`, and per platform stack `<stack>-platform` and `<stack>-tenants`. */
export function stepOutputs(projectRoot: string, touched: TouchedStacks, stacks: StackInventory): Record<string, string> {
  const outputs: Record<string, string> = { preview: JSON.stringify(previewMatrix(touched, stacks)) };
  for (const platform of stacks.platform) {
    outputs[`${platform}-platform`] = String(touched.platform.includes(platform));
    const entries: TenantDeployEntry[] = touched.tenants
      .filter((t) => stacks.tenants[platform].includes(t))
      .map((name) => {
        const { owner, repositories } = tenantStackRepositories(projectRoot, platform, name);
        return { name, suffix: variableSuffix(name), owner, repositories: repositories.join(",") };
      });
    outputs[`${platform}-tenants`] = JSON.stringify(entries);
  }
  return outputs;
}

/** The files changed between two commits, or undefined when git cannot say (a first push, a base no longer in the history). */
export function changedFiles(projectRoot: string, base: string, head: string): string[] | undefined {
  if (!/^[0-9a-f]{7,40}$/i.test(base) || /^0+$/.test(base) || !/^[0-9a-f]{7,40}$/i.test(head)) return undefined;
  try {
    const out = execFileSync("git", ["diff", "--name-only", "--no-renames", base, head], { cwd: projectRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return out.split("\n").filter(Boolean);
  } catch {
    return undefined;
  }
}

export function main(argv: readonly string[], projectRoot = path.resolve(__dirname, "..")): number {
  const usage = "usage: npm run -s stacks:changed -- --base SHA --head SHA | --all | --files FILE...";
  const at = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const stacks = inventory(projectRoot);
  let files: string[] | undefined;
  if (argv.includes("--files")) files = argv.slice(argv.indexOf("--files") + 1);
  else if (argv.includes("--all")) files = undefined;
  else if (at("--base") && at("--head")) files = changedFiles(projectRoot, at("--base")!, at("--head")!);
  else {
    console.error(usage);
    return 1;
  }
  // Without a diff: everything (the safe side).
  const touched = files === undefined ? touchedStacks(["index.ts"], stacks) : touchedStacks(files, stacks);
  try {
    for (const [key, value] of Object.entries(stepOutputs(projectRoot, touched, stacks))) console.log(`${key}=${value}`);
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
