/**
 * Reads the stack config from Pulumi and validates it. With index.ts, the only code that reads
 * Pulumi config: components take typed args.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { DEPLOYED_SETTINGS_OUTPUT, DeployedSettings, immutableChangeProblems, readDeployedSettings } from "./deployed";
import { PLATFORM_KEY, PROJECT, problemAt } from "./errors";
import { parsePlatformConfig } from "./parse";
import { runByRealEngine, sampleValueProblems } from "./rules-samples";
import { stackNameProblems } from "./rules-stack-names";
import { configToday } from "./clock";
import { dayOf } from "./kubernetes-versions";
import { locateProblem, readTenantStackFile, stackFileScope, tenantStackNames, TenantStackFile, TenantStackFileError, withTenantStacks } from "./tenant-stacks";
import type { PlatformConfig } from "./schema";

/**
 * A stack config that cannot be used. A RunError, so the real engine prints the problems
 * without a stack trace; synth prints them and exits 1.
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(`Invalid stack config:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }

  static isConfigError(error: unknown): error is ConfigError {
    return error instanceof Error && error.name === "ConfigError" && Array.isArray((error as ConfigError).problems);
  }
}

/**
 * Whether a config value was set with --secret. The SDK keeps this function internal (untyped),
 * but it is the only way to refuse a webhook address committed in plain text.
 */
const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret;

export interface LoadedPlatform {
  readonly config: PlatformConfig;
  /** Webhook address of each Flux notification, by notification name; always secret. */
  readonly notificationAddresses: Readonly<Record<string, pulumi.Output<string>>>;
  /** Webhook address of each tenant's own notification, by tenant name, then notification name; always secret. */
  readonly tenantNotificationAddresses: Readonly<Record<string, Readonly<Record<string, pulumi.Output<string>>>>>;
  /** The tenant stack of each tenant that has one (`tenants/Pulumi.<environment>-<name>.yaml`), by tenant name. */
  readonly tenantStacks: Readonly<Record<string, string>>;
}

export interface LoadOptions {
  /** The day to judge calendar-bound rules by (Kubernetes support). Default: today (stacks/clock.ts). */
  today?: Date;
  /** Where Pulumi.yaml and tenants/ are. Default: the project root the language host names, else the working directory. */
  projectRoot?: string;
  /** Replaces a tenant stack file as read (a tenant stack validates with its config as the engine hands it). */
  replace?: (file: TenantStackFile) => TenantStackFile;
}

/**
 * The project's root as the language host hands it to the program (--root-directory), or the
 * program's directory where it hands none: then the SDK answers the placeholder "rootDirectory"
 * (runtime/state.js), and reading tenants/ beside that would find no tenant stack and silently
 * drop their tenants' platform side.
 */
export function projectRootOf(given: string, cwd: string): string {
  return given !== "" && path.isAbsolute(given) ? given : cwd;
}

/**
 * The platform config with its environment's tenant stacks' tenants, validated together: every
 * rule across tenants (names, namespaces, repositories) holds across stacks. Problems of a tenant
 * stack's tenant name its file and key.
 */
export function parseWithTenantStacks(raw: unknown, stack: string, options: LoadOptions = {}): EnvironmentParse {
  const memo = stackFileScope()?.memo;
  if (memo === undefined || options.replace !== undefined) return parseEnvironment(raw, stack, options);
  // In a scope (synth's environment run), the platform stack's program and its tenant stacks'
  // programs validate the same environment: the same config, files and day (the calendar-bound
  // rules judge by the day, stacks/kubernetes-versions.ts dayOf) give the same result.
  const root = options.projectRoot ?? projectRootOf(pulumi.runtime.getRootDirectory(), process.cwd());
  const key = `environment-parse\n${path.resolve(root)}\n${stack}\n${dayOf(options.today ?? configToday())}\n${JSON.stringify(raw)}`;
  if (!memo.has(key)) memo.set(key, parseEnvironment(raw, stack, { ...options, projectRoot: root }));
  return memo.get(key) as EnvironmentParse;
}

export type EnvironmentParse = { ok: true; config: PlatformConfig; tenantStacks: Record<string, string>; files: TenantStackFile[] } | { ok: false; problems: string[] };

function parseEnvironment(raw: unknown, stack: string, options: LoadOptions): EnvironmentParse {
  const environment = typeof (raw as { environment?: unknown } | null)?.environment === "string" ? (raw as { environment: string }).environment : stack;
  const root = options.projectRoot ?? projectRootOf(pulumi.runtime.getRootDirectory(), process.cwd());
  let files: TenantStackFile[];
  try {
    files = tenantStackNames(root, environment).map((name) => (options.replace ?? ((file) => file))(readTenantStackFile(root, name)));
  } catch (error) {
    if (error instanceof TenantStackFileError) return { ok: false, problems: [error.message] };
    throw error;
  }
  const names = stackNameProblems(root, stack, raw, files);
  const merged = withTenantStacks(raw, files);
  const parsed = parsePlatformConfig(merged.raw, stack, { today: options.today });
  if (!parsed.ok) return { ok: false, problems: [...names, ...parsed.problems.map((problem) => locateProblem(problem, merged.origins))] };
  if (names.length > 0) return { ok: false, problems: names };
  const tenantStacks: Record<string, string> = {};
  parsed.config.tenants.forEach((tenant, i) => {
    const origin = merged.origins[i];
    if (origin?.stack) tenantStacks[tenant.name] = origin.stack;
  });
  return { ok: true, config: parsed.config, tenantStacks, files };
}

/** The logical name of the StackReference through which the program reads its own stack. */
export const PREVIOUS_DEPLOYMENT = "previous-deployment";

/**
 * What the previous deployment of this stack recorded, read through a StackReference to the stack
 * itself. The engine answers a reference from the backend's latest snapshot of that stack
 * (pulumi/pulumi builtins.go readStackReference -> backend GetStackOutputs), and during an update
 * the root stack resource keeps its previous outputs until the program registers new ones
 * (SameStep.Apply retains them), so this is the last deployment's record, in previews too; a
 * stack never deployed has no outputs. Reading a stack's own outputs back is the pattern from
 * pulumi/pulumi#3722.
 */
async function previousDeployment(): Promise<DeployedSettings | undefined> {
  const self = new pulumi.StackReference(PREVIOUS_DEPLOYMENT, { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` });
  const details = await self.getOutputDetails(DEPLOYED_SETTINGS_OUTPUT);
  return readDeployedSettings(details.value ?? details.secretValue);
}

/**
 * Loads `gitops-platform:platform` and the secrets it names, and checks it against what the
 * stack's previous deployment recorded; throws ConfigError listing every problem. Nothing is
 * registered before the config itself is valid; then only the reference to the stack.
 */
export async function loadPlatform(options: LoadOptions = {}): Promise<LoadedPlatform> {
  const config = new pulumi.Config(PROJECT);
  const text = config.get("platform");
  let raw: unknown;
  try {
    raw = text === undefined ? undefined : JSON.parse(text);
  } catch {
    throw new ConfigError([problemAt([], "must be an object of config sections (environment, cluster, ...)")]);
  }
  const parsed = parseWithTenantStacks(raw, pulumi.getStack(), options);
  if (!parsed.ok) throw new ConfigError(parsed.problems);
  const samples = runByRealEngine() ? sampleValueProblems(raw, parsed.files) : [];
  if (samples.length > 0) throw new ConfigError(samples);

  const problems: string[] = [];
  /** The secret config key holding a notification's address: secret-only, or a problem at `path`. */
  const address = (addressSecret: string, path: (string | number)[]): pulumi.Output<string> | undefined => {
    const key = `${PROJECT}:${addressSecret}`;
    const value = config.getSecret(addressSecret);
    if (value === undefined) {
      problems.push(problemAt(path, `config key ${key} is not set (pulumi config set --secret ${addressSecret} <url>)`));
    } else if (!isConfigSecret(key)) {
      problems.push(problemAt(path, `config key ${key} holds a webhook address in plain text: set it with --secret`));
    } else {
      return value;
    }
    return undefined;
  };
  const notificationAddresses: Record<string, pulumi.Output<string>> = {};
  parsed.config.flux.notifications.forEach((notification, i) => {
    const value = address(notification.addressSecret, ["flux", "notifications", i, "addressSecret"]);
    if (value) notificationAddresses[notification.name] = value;
  });
  const tenantNotificationAddresses: Record<string, Record<string, pulumi.Output<string>>> = {};
  parsed.config.tenants.forEach((tenant, i) => {
    // A tenant stack's alerts are its own: their addresses are in its config, not the platform's.
    if (parsed.tenantStacks[tenant.name]) return;
    const own: Record<string, pulumi.Output<string>> = {};
    tenant.notifications.forEach((notification, j) => {
      const value = address(notification.addressSecret, ["tenants", i, "notifications", j, "addressSecret"]);
      if (value) own[notification.name] = value;
    });
    tenantNotificationAddresses[tenant.name] = own;
  });
  if (problems.length > 0) throw new ConfigError(problems);

  const immutable = immutableChangeProblems(parsed.config, await previousDeployment());
  if (immutable.length > 0) throw new ConfigError(immutable);
  return { config: parsed.config, notificationAddresses, tenantNotificationAddresses, tenantStacks: parsed.tenantStacks };
}

export { PLATFORM_KEY };
