/**
 * Tenant stacks: the second project, `tenants/` (project gitops-platform-tenants), whose stacks
 * `tenants/Pulumi.<environment>-<name>.yaml` each hold a list of tenants in exactly the schema of
 * the platform's `tenants` and the platform stack they build on.
 *
 * Who owns what (docs/layered-stacks.md): the platform stack reads every tenant stack file of its
 * environment from the repository and builds each tenant's platform side (namespace, RBAC,
 * quota, admission and network policies, SOPS key and identity, Azure identities, own Key Vault,
 * registry): everything that needs cluster-scoped or Azure RBAC rights. It exports the registry
 * of tenants (name -> namespace and stack) in its contract. A tenant stack builds the tenant side
 * (Git repository and deploy key, Flux sources, Helm releases, alerts): objects in the tenant's
 * namespace and on its own repositories only. Every invariant across tenants (unique names,
 * namespaces, repositories, reserved namespaces) is checked once, over the platform's inline
 * tenants and every tenant stack's, by the same validation as inline tenants.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { formatPath, PLATFORM_KEY } from "./errors";

export const TENANTS_PROJECT = "gitops-platform-tenants";
/** The tenant stacks' folder, beside the platform's Pulumi.yaml. */
export const TENANTS_DIR = "tenants";
export const TENANTS_KEY = `${TENANTS_PROJECT}:tenants`;
export const PLATFORM_STACK_KEY = `${TENANTS_PROJECT}:platformStack`;

/** One tenant stack's file, as read: its stack name, its tenants (raw), the platform stack it names. */
export interface TenantStackFile {
  /** `<environment>-<name>`. */
  stack: string;
  /** The file, relative to the project root (`tenants/Pulumi.stage-payments.yaml`). */
  file: string;
  tenants: unknown[];
  /** `organization/project/stack` of the platform stack; undefined when not set. */
  platformStack?: string;
  /** Decrypted values for its secure config keys, when a caller planted them (tests). */
  config: Record<string, unknown>;
}

/** A tenant stack's name is `<environment>-<name>`: the environment it belongs to, and its own name. */
export function tenantStackName(environment: string, name: string): string {
  return `${environment}-${name}`;
}

/** The platform stacks of a project root, by their files (`Pulumi.<stack>.yaml`, not Pulumi.yaml). */
export function platformStackNames(projectRoot: string): string[] {
  if (!existsSync(projectRoot)) return [];
  return readdirSync(projectRoot)
    .map((file) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/**
 * The tenant stacks of an environment, by their file names (`Pulumi.<environment>-<name>.yaml`).
 * A file whose name also starts with a longer platform stack's name (`prod-eu-a` beside
 * `Pulumi.prod-eu.yaml`) is that stack's, not `prod`'s: the longest platform stack name it starts
 * with owns it, as stacks:changed decides (synth/changed-stacks.ts platformOf), so two platform
 * stacks never both build one tenant stack's tenants and deployer.
 */
export function tenantStackNames(projectRoot: string, environment: string): string[] {
  const dir = path.join(projectRoot, TENANTS_DIR);
  if (!existsSync(dir)) return [];
  const pattern = new RegExp(`^Pulumi\\.(${escapeRegExp(environment)}-[a-z0-9]([a-z0-9-]*[a-z0-9])?)\\.yaml$`);
  const longer = platformStackNames(projectRoot).filter((stack) => stack.length > environment.length && stack.startsWith(`${environment}-`));
  return readdirSync(dir)
    .map((file) => pattern.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined && !longer.some((other) => stack.startsWith(`${other}-`)))
    .sort();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A tenant stack file that cannot be read as one. */
export class TenantStackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TenantStackFileError";
  }
}

/**
 * What one process that synthesizes many stacks of one checkout reads only once (synth's
 * environment run, `readingStackFilesOnce`): each stack file's YAML, and each environment's
 * validated tenants. Every tenant stack's program validates its tenants with the whole
 * environment's (every tenant stack file): done afresh for each of N stacks, that is N^2 file
 * parses and N validations of N tenants. Under the real engine a process runs one stack, and
 * there is no scope.
 */
export interface StackFileScope {
  readonly documents: Map<string, unknown>;
  /** Results of pure functions of the files read in this scope, by the caller's key. */
  readonly memo: Map<string, unknown>;
}

let scope: StackFileScope | undefined;

/** Runs `body` with stack files read once and their validation memoized; the files must not change meanwhile. */
export async function readingStackFilesOnce<T>(body: () => Promise<T>): Promise<T> {
  if (scope !== undefined) return body();
  scope = { documents: new Map(), memo: new Map() };
  try {
    return await body();
  } finally {
    scope = undefined;
  }
}

/** The scope `readingStackFilesOnce` opened, if any. */
export function stackFileScope(): StackFileScope | undefined {
  return scope;
}

/** A stack file's YAML, read with the alias guard synth's reader uses (a "billion laughs" file is refused). */
export function readStackYaml(projectRoot: string, file: string): unknown {
  const at = path.resolve(projectRoot, file);
  if (scope?.documents.has(at)) return scope.documents.get(at);
  const document: unknown = parse(readFileSync(at, "utf8"), { maxAliasCount: 100 });
  scope?.documents.set(at, document);
  return document;
}

/** Reads one tenant stack file: its `config` section's two keys. */
export function readTenantStackFile(projectRoot: string, stack: string): TenantStackFile {
  const file = path.join(TENANTS_DIR, `Pulumi.${stack}.yaml`);
  let document: unknown;
  try {
    document = readStackYaml(projectRoot, file);
  } catch (error) {
    throw new TenantStackFileError(`${file}: not a readable YAML file (${(error as Error).message.split("\n")[0]})`);
  }
  const config = (document as { config?: unknown } | null)?.config;
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new TenantStackFileError(`${file}: has no \`config:\` section with ${TENANTS_KEY}`);
  }
  const values = config as Record<string, unknown>;
  const unknownKeys = Object.keys(values).filter((key) => key.startsWith(`${TENANTS_PROJECT}:`) && key !== TENANTS_KEY && key !== PLATFORM_STACK_KEY);
  if (unknownKeys.length > 0) throw new TenantStackFileError(`${file}: ${unknownKeys[0]}: unknown key (allowed: ${TENANTS_KEY}, ${PLATFORM_STACK_KEY})`);
  const tenants = values[TENANTS_KEY];
  if (!Array.isArray(tenants) || tenants.length === 0) throw new TenantStackFileError(`${file}: ${TENANTS_KEY}: must be a non-empty list of tenants`);
  const platformStack = values[PLATFORM_STACK_KEY];
  if (platformStack !== undefined && typeof platformStack !== "string") throw new TenantStackFileError(`${file}: ${PLATFORM_STACK_KEY}: must be organization/project/stack`);
  return { stack, file, tenants, platformStack, config: values };
}

/** Where tenant `index` of the merged list came from: inline (the platform's own) or a tenant stack's. */
export type TenantOrigin = { stack?: undefined } | { stack: string; file: string; index: number };

/**
 * The platform's raw config with every tenant stack's tenants after its own: what the platform
 * validates, so that every rule across tenants holds across stacks. `origins[i]` says where the
 * merged list's tenant i came from.
 */
export function withTenantStacks(raw: unknown, stacks: readonly TenantStackFile[]): { raw: unknown; origins: TenantOrigin[] } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { raw, origins: [] };
  const platform = raw as Record<string, unknown>;
  const inline = Array.isArray(platform.tenants) ? platform.tenants : [];
  const origins: TenantOrigin[] = inline.map(() => ({}));
  const tenants = [...inline];
  for (const stack of stacks) {
    stack.tenants.forEach((tenant, index) => {
      tenants.push(tenant);
      origins.push({ stack: stack.stack, file: stack.file, index });
    });
  }
  return { raw: stacks.length === 0 ? raw : { ...platform, tenants }, origins };
}

/**
 * A problem of the merged config, said where the user wrote it: a tenant of a tenant stack as
 * `tenants/Pulumi.prod-x.yaml: gitops-platform-tenants:tenants[0].name: ...`.
 */
export function locateProblem(problem: string, origins: readonly TenantOrigin[]): string {
  const match = new RegExp(`^${escapeRegExp(PLATFORM_KEY)}\\.tenants\\[(\\d+)\\](.*)$`, "s").exec(problem);
  if (!match) return problem;
  const origin = origins[Number(match[1])];
  // The message may name another tenant by its index in the merged list: say where that one is.
  const rest = match[2].replace(/\bindex (\d+)\b/g, (_, i: string) => describeOrigin(origins, Number(i)));
  if (!origin?.stack) return `${PLATFORM_KEY}.tenants[${match[1]}]${rest}`;
  return `${origin.file}: ${TENANTS_KEY}${formatPath([origin.index])}${rest}`;
}

function describeOrigin(origins: readonly TenantOrigin[], i: number): string {
  const origin = origins[i];
  if (!origin) return `index ${i}`;
  return origin.stack ? `${origin.file} tenants[${origin.index}]` : `index ${i}`;
}
