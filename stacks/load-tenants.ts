/**
 * Loads a tenant stack (project gitops-platform-tenants): its tenants, validated together with
 * the platform stack's config and every other tenant stack of the environment (the same rules as
 * inline tenants), the platform's contract read through a StackReference, and the registration
 * check: a tenant stack builds only the tenants the platform stack registered to it.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { ContractError, CONTRACT_OUTPUT, PlatformContract, readContract, registrationProblems } from "./contract";
import { PLATFORM_KEY } from "./errors";
import { ConfigError, parseWithTenantStacks } from "./load";
import type { TenantConfig } from "./schema";
import { PLATFORM_STACK_KEY, readStackYaml, stackFileScope, TENANTS_DIR, TENANTS_KEY, TENANTS_PROJECT, TenantStackFile } from "./tenant-stacks";

export interface LoadedTenantStack {
  /** This stack's tenants, every default filled. */
  readonly tenants: TenantConfig[];
  readonly contract: PlatformContract;
  /** Webhook address of each tenant's own notification, by tenant name, then notification name; always secret. */
  readonly notificationAddresses: Readonly<Record<string, Readonly<Record<string, pulumi.Output<string>>>>>;
}

const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret;

/** The logical name of the StackReference to the platform stack. */
export const PLATFORM_REFERENCE = "platform";

/** The platform stack's own config (`gitops-platform:platform`), from its stack file beside Pulumi.yaml. */
function platformStackConfig(projectRoot: string, platformStack: string): unknown {
  const stackName = platformStack.split("/").pop()!;
  const file = `Pulumi.${stackName}.yaml`;
  let document: unknown;
  try {
    document = readStackYaml(projectRoot, file);
  } catch (error) {
    throw new ConfigError([`${PLATFORM_STACK_KEY}: names ${platformStack}, but its stack file ${file} cannot be read (${(error as Error).message.split("\n")[0]})`]);
  }
  return (document as { config?: Record<string, unknown> } | null)?.config?.[PLATFORM_KEY];
}

/**
 * Validates this stack's tenants with the platform's rules over the whole environment: the
 * platform stack's config and every tenant stack file, this one as the engine hands it.
 */
export function parseTenantStack(
  projectRoot: string,
  stack: string,
  own: { tenants: unknown; platformStack: unknown },
  options: { today?: Date } = {},
): { tenants: TenantConfig[] } {
  if (typeof own.platformStack !== "string" || !/^[^/\s]+\/[^/\s]+\/[^/\s]+$/.test(own.platformStack)) {
    throw new ConfigError([`${PLATFORM_STACK_KEY}: must name the platform stack as organization/project/stack (e.g. organization/gitops-platform/prod)`]);
  }
  if (!Array.isArray(own.tenants) || own.tenants.length === 0) throw new ConfigError([`${TENANTS_KEY}: must be a non-empty list of tenants`]);
  const platformStack = own.platformStack;
  const raw = platformStackConfig(projectRoot, platformStack);
  // As filed, this stack's file is read as it is, and the environment's validation is the one the
  // platform stack's program and every other tenant stack of the scope share (parseWithTenantStacks).
  const replace = (file: TenantStackFile): TenantStackFile => (file.stack === stack ? { ...file, tenants: own.tenants as unknown[], platformStack } : file);
  const parsed = parseWithTenantStacks(raw, platformStack.split("/").pop()!, {
    ...options,
    projectRoot,
    ...(asFiled(projectRoot, stack, own.tenants, platformStack) ? {} : { replace }),
  });
  if (!parsed.ok) throw new ConfigError(parsed.problems);
  if (!parsed.files.some((file) => file.stack === stack)) {
    throw new ConfigError([`${TENANTS_KEY}: tenant stack ${stack} has no file tenants/Pulumi.${stack}.yaml for the platform's environment ${parsed.config.environment}`]);
  }
  return { tenants: parsed.config.tenants.filter((tenant) => parsed.tenantStacks[tenant.name] === stack) };
}

/**
 * Whether the engine hands this tenant stack its tenants and platform stack as its file holds
 * them: then validating with the file as read is validating with the engine's config.
 */
function asFiled(projectRoot: string, stack: string, tenants: unknown, platformStack: string): boolean {
  if (stackFileScope() === undefined) return false;
  const filed = (readStackYaml(projectRoot, path.join(TENANTS_DIR, `Pulumi.${stack}.yaml`)) as { config?: Record<string, unknown> } | null)?.config;
  return JSON.stringify(filed?.[TENANTS_KEY]) === JSON.stringify(tenants) && filed?.[PLATFORM_STACK_KEY] === platformStack;
}

/** Loads this tenant stack; throws ConfigError listing every problem, before any resource but the reference. */
export async function loadTenantStack(options: { projectRoot: string; today?: Date }): Promise<LoadedTenantStack> {
  const config = new pulumi.Config(TENANTS_PROJECT);
  const json = (key: string): unknown => {
    const text = config.get(key);
    try {
      return text === undefined ? undefined : JSON.parse(text);
    } catch {
      return text;
    }
  };
  const stack = pulumi.getStack();
  const platformStack = json("platformStack");
  const { tenants } = parseTenantStack(options.projectRoot, stack, { tenants: json("tenants"), platformStack }, options);

  const problems: string[] = [];
  const notificationAddresses: Record<string, Record<string, pulumi.Output<string>>> = {};
  tenants.forEach((tenant, i) => {
    const own: Record<string, pulumi.Output<string>> = {};
    tenant.notifications.forEach((notification, j) => {
      const at = `${TENANTS_KEY}[${i}].notifications[${j}].addressSecret`;
      const key = `${TENANTS_PROJECT}:${notification.addressSecret}`;
      const value = config.getSecret(notification.addressSecret);
      if (value === undefined) problems.push(`${at}: config key ${key} is not set (pulumi config set --secret ${notification.addressSecret} <url>)`);
      else if (!isConfigSecret(key)) problems.push(`${at}: config key ${key} holds a webhook address in plain text: set it with --secret`);
      else own[notification.name] = value;
    });
    notificationAddresses[tenant.name] = own;
  });
  if (problems.length > 0) throw new ConfigError(problems);

  const reference = new pulumi.StackReference(PLATFORM_REFERENCE, { name: platformStack as string });
  const details = await reference.getOutputDetails(CONTRACT_OUTPUT);
  let contract: PlatformContract;
  try {
    contract = readContract(details.value ?? details.secretValue, platformStack as string);
  } catch (error) {
    if (error instanceof ContractError) throw new ConfigError([error.message]);
    throw error;
  }
  const unregistered = registrationProblems(contract, stack, tenants);
  if (unregistered.length > 0) throw new ConfigError(unregistered);
  return { tenants, contract, notificationAddresses };
}
