/**
 * The contract between the platform stack and its tenant stacks: what the platform stack exports
 * (the stack output `tenantContract`) and every tenant stack reads through a StackReference. One
 * module, imported by both programs (index.ts writes it, tenants/index.ts reads it), so the two
 * sides cannot drift apart. Versioned: a tenant stack refuses a version it does not know. Nothing
 * in it is an admin credential: the kubeconfig is the user one (kubelogin, the deployer's own
 * Entra identity, Azure RBAC decides), and it travels as a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { DEFAULT_FLUX_NAMESPACE } from "../components/kubernetes/flux-install";
import { deployKeyClusterName } from "../components/platform";
import type { PlatformConfig } from "./schema";
import { TENANTS_KEY } from "./tenant-stacks";

export const CONTRACT_OUTPUT = "tenantContract";
/** 2: each registered tenant says whether the platform set up its image automation. */
export const CONTRACT_VERSION = 2;

/**
 * One registered tenant: its namespace, the tenant stack that owns its tenant side, and whether
 * the platform granted its namespace image automation (the Role that lets Flux push: the only
 * case a write deploy key is accepted, deploy-keys-read-only, which judges a tenant stack alone
 * by this).
 */
const registeredTenant = z.strictObject({ namespace: z.string(), stack: z.string(), imageAutomation: z.boolean() });

const contractSchema = z.object({
  version: z.literal(CONTRACT_VERSION),
  environment: z.string(),
  /** The name tenant resources are prefixed with (the platform component's name). */
  platformName: z.string(),
  /** The deploy keys' title prefix (`gitops-platform-<environment>`). */
  clusterName: z.string(),
  /** The user kubeconfig of the cluster: kubelogin, no admin credential. */
  kubeconfig: z.string(),
  oidcIssuerUrl: z.string(),
  resourceGroupName: z.string(),
  flux: z.object({ namespace: z.string(), multitenancy: z.boolean(), sops: z.boolean() }),
  /** The owner the tenants' repositories default to. */
  githubOwner: z.string().optional(),
  vault: z.object({ address: z.string(), kvMount: z.string() }).optional(),
  /** Tenants whose tenant side a tenant stack owns: only these may a tenant stack build, each only in its own stack. */
  tenants: z.record(z.string(), registeredTenant),
});

export type PlatformContract = z.output<typeof contractSchema>;

/** A platform stack's contract output that this tenant stack cannot use. */
export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContractError";
  }
}

/** The contract from a platform stack's output, or a ContractError saying what is wrong with it. */
export function readContract(value: unknown, platformStack: string): PlatformContract {
  if (value === undefined || value === null) {
    throw new ContractError(`platform stack ${platformStack} exports no ${CONTRACT_OUTPUT}: deploy it first (pulumi up in the project root), with a version of the platform that has tenant stacks`);
  }
  const version = (value as { version?: unknown }).version;
  if (version !== CONTRACT_VERSION) {
    throw new ContractError(
      `platform stack ${platformStack} exports ${CONTRACT_OUTPUT} version ${JSON.stringify(version)}; this tenant program knows version ${CONTRACT_VERSION}: run the tenant stack from the same revision of the repository as the platform stack`,
    );
  }
  const parsed = contractSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContractError(`platform stack ${platformStack}: ${CONTRACT_OUTPUT}.${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * What a tenant stack may build: every tenant it lists is registered to it (the platform stack
 * created its namespace), none is registered to another stack. The problems, one per tenant.
 */
export function registrationProblems(contract: PlatformContract, stack: string, tenants: readonly { name: string; namespace: string; imageAutomation?: unknown }[]): string[] {
  return tenants.flatMap((tenant, i) => {
    const at = `${TENANTS_KEY}[${i}]`;
    const registered = contract.tenants[tenant.name];
    if (!registered) return [`${at}.name: tenant ${tenant.name} is not registered on the platform stack: deploy the platform stack first (it creates the tenant's namespace and policies)`];
    if (registered.stack !== stack) return [`${at}.name: tenant ${tenant.name} belongs to tenant stack ${registered.stack}, not ${stack}`];
    if (registered.namespace !== tenant.namespace) return [`${at}.namespace: the platform stack created namespace ${registered.namespace} for tenant ${tenant.name}, not ${tenant.namespace}: deploy the platform stack first`];
    if (tenant.imageAutomation !== undefined && !registered.imageAutomation) {
      return [`${at}.imageAutomation: the platform stack has not set up image automation for tenant ${tenant.name} (its Role and controllers): deploy the platform stack first`];
    }
    return [];
  });
}

/** The outputs of a deployed platform the contract carries. */
export interface PlatformContractOutputs {
  kubeconfig: pulumi.Input<string>;
  oidcIssuerUrl: pulumi.Input<string>;
  resourceGroupName: pulumi.Input<string>;
  vaultAddress?: pulumi.Input<string>;
}

/** The contract the platform stack exports (CONTRACT_OUTPUT), from its config and what it deployed. */
export function platformContract(
  config: PlatformConfig,
  tenantStacks: Readonly<Record<string, string>>,
  platformName: string,
  outputs: PlatformContractOutputs,
): pulumi.Output<PlatformContract> {
  const tenants = Object.fromEntries(
    config.tenants
      .filter((t) => tenantStacks[t.name] !== undefined)
      .map((t) => [t.name, { namespace: t.namespace, stack: tenantStacks[t.name], imageAutomation: t.imageAutomation !== undefined }]),
  );
  return pulumi.output({
    version: CONTRACT_VERSION,
    environment: config.environment,
    platformName,
    clusterName: deployKeyClusterName(config.environment),
    kubeconfig: pulumi.secret(outputs.kubeconfig),
    oidcIssuerUrl: outputs.oidcIssuerUrl,
    resourceGroupName: outputs.resourceGroupName,
    flux: { namespace: DEFAULT_FLUX_NAMESPACE, multitenancy: config.flux.multitenancy, sops: config.flux.sops },
    githubOwner: config.github.owner,
    vault: outputs.vaultAddress === undefined ? undefined : pulumi.all([outputs.vaultAddress]).apply(([address]) => ({ address, kvMount: config.vault.kvMount })),
    tenants,
  }) as pulumi.Output<PlatformContract>;
}
