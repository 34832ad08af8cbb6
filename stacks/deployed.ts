/**
 * What a deployment leaves behind for the next one to check against: settings Azure fixes when a
 * resource is created, so config can refuse a change Azure cannot apply (rather than the update
 * failing, or diffing forever). The program exports them as a stack output and reads them back
 * from its own stack (stacks/load.ts). Pure.
 */
import { z } from "zod";
import { isAcknowledged } from "./acknowledged";
import { problemAt } from "./errors";
import type { PlatformConfig } from "./schema";
import {
  clusterChangeProblems,
  clusterRecordSchema,
  deployedClusterOf,
  deployedVaultOf,
  vaultChangeProblems,
  vaultRecordSchema,
  type DeployedCluster,
  type DeployedVault,
} from "./deployed-fixed";

/** The stack output that holds the record. */
export const DEPLOYED_SETTINGS_OUTPUT = "deployedSettings";

export interface DeployedSettings {
  /**
   * The Key Vault as created: soft-delete retention is fixed at creation and purge protection,
   * once on, can never be turned off (learn.microsoft.com/azure/key-vault/general/
   * soft-delete-overview; the SDK: enablePurgeProtection "does not accept false").
   */
  keyVault?: { softDeleteRetentionDays: number; purgeProtection: boolean };
  /**
   * Sealing key generations in the cluster, while Sealed Secrets is on: a lower number deletes
   * the newest keys, and the SealedSecrets sealed with them no longer decrypt.
   */
  sealedSecrets?: { keyGenerations: number };
  /** The cluster's pools and network profile as created (stacks/deployed-fixed.ts). */
  cluster?: DeployedCluster;
  /** Vault's volumes and raft peers, while Vault is on (stacks/deployed-fixed.ts). */
  vault?: DeployedVault;
  /**
   * Where the platform is and what it is called: every stateful resource's name carries the
   * environment (rg-gitops-<env>, kv-<env>-..., the tenants' registries) and sits in the
   * location, and ARM replaces a resource whose name or location changes.
   */
  placement?: { environment: string; location: string };
}

/**
 * The record this deployment leaves. Config refuses changes to these values, so the current
 * config is what the vault was created with (or, on a first deployment, what it will be).
 */
export function deployedSettingsOf(config: PlatformConfig): DeployedSettings {
  return {
    keyVault: { softDeleteRetentionDays: config.keyVault.softDeleteRetentionDays, purgeProtection: config.keyVault.purgeProtection },
    ...(config.sealedSecrets.enabled ? { sealedSecrets: { keyGenerations: config.sealedSecrets.keyGenerations } } : {}),
    cluster: deployedClusterOf(config),
    ...(config.vault.enabled ? { vault: deployedVaultOf(config) } : {}),
    placement: { environment: config.environment, location: config.location },
  };
}

const recordSchema = z.object({
  keyVault: z.object({ softDeleteRetentionDays: z.int(), purgeProtection: z.boolean() }).optional().catch(undefined),
  sealedSecrets: z.object({ keyGenerations: z.int() }).optional().catch(undefined),
  cluster: clusterRecordSchema.optional().catch(undefined),
  vault: vaultRecordSchema.optional().catch(undefined),
  placement: z.object({ environment: z.string(), location: z.string() }).optional().catch(undefined),
});

/**
 * The record a previous deployment left, or undefined when there is none: a first deployment, or
 * one made before the record existed. Parts it cannot read count as missing, so that a record of
 * another shape never blocks a deployment.
 */
export function readDeployedSettings(value: unknown): DeployedSettings | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) return undefined;
  return {
    ...(parsed.data.keyVault ? { keyVault: parsed.data.keyVault } : {}),
    ...(parsed.data.sealedSecrets ? { sealedSecrets: parsed.data.sealedSecrets } : {}),
    ...(parsed.data.cluster ? { cluster: parsed.data.cluster } : {}),
    ...(parsed.data.vault ? { vault: parsed.data.vault } : {}),
    ...(parsed.data.placement ? { placement: parsed.data.placement } : {}),
  };
}

/** Config changes Azure cannot apply to what is deployed, each with what to do instead. */
export function immutableChangeProblems(config: PlatformConfig, deployed: DeployedSettings | undefined): string[] {
  return [
    ...keyVaultChangeProblems(config, deployed),
    ...sealingKeyChangeProblems(config, deployed),
    ...clusterChangeProblems(config, deployed?.cluster),
    ...vaultChangeProblems(config, deployed?.vault),
    ...placementChangeProblems(config, deployed?.placement),
  ];
}

/** A new environment name or location: every stateful resource would be replaced (a new platform). */
function placementChangeProblems(config: PlatformConfig, deployed: DeployedSettings["placement"]): string[] {
  if (!deployed) return [];
  const problems: string[] = [];
  const why = "every stateful resource's name or location follows it (resource group, cluster, Key Vault and its keys, registries), and ARM replaces a resource whose name or location changes";
  if (deployed.environment !== config.environment) {
    problems.push(problemAt(["environment"], `is ${deployed.environment} in the deployed stack; ${why}; set it back (a new environment is a new stack, docs/day-two.md "Changing what is fixed at creation")`));
  }
  if (deployed.location !== config.location) {
    problems.push(problemAt(["location"], `is ${deployed.location} in the deployed stack; ${why}; set it back (another region is a new stack, docs/day-two.md "Changing what is fixed at creation")`));
  }
  return problems;
}

/** Fewer sealing key generations than the cluster has (turning Sealed Secrets off is allowed: the backups stay). */
function sealingKeyChangeProblems(config: PlatformConfig, deployed: DeployedSettings | undefined): string[] {
  const before = deployed?.sealedSecrets?.keyGenerations;
  const now = config.sealedSecrets.keyGenerations;
  if (before === undefined || !config.sealedSecrets.enabled || now >= before) return [];
  if (isAcknowledged(config.acknowledgedChanges, "sealedSecrets.keyGenerations", before, now)) return [];
  return [
    problemAt(
      ["sealedSecrets", "keyGenerations"],
      `is ${before} in the deployed cluster; ${now} would delete sealing key generation${before - now > 1 ? "s" : ""} ${now + 1}${before - now > 1 ? `-${before}` : ""}, and the SealedSecrets sealed with ${before - now > 1 ? "them" : "it"} would no longer decrypt; set it back to ${before} (keys stay; to retire one, re-seal its secrets first, see the docs/operating.md, "Sealed Secrets")`,
    ),
  ];
}

function keyVaultChangeProblems(config: PlatformConfig, deployed: DeployedSettings | undefined): string[] {
  const vault = deployed?.keyVault;
  if (!vault) return [];
  const problems: string[] = [];
  const retention = config.keyVault.softDeleteRetentionDays;
  if (retention !== vault.softDeleteRetentionDays) {
    problems.push(
      problemAt(
        ["keyVault", "softDeleteRetentionDays"],
        `is ${vault.softDeleteRetentionDays} on the deployed vault, and Azure fixes it when the vault is created; set it back to ${vault.softDeleteRetentionDays} (another retention needs a new vault: a new stack, or destroying this one)`,
      ),
    );
  }
  if (vault.purgeProtection && !config.keyVault.purgeProtection) {
    problems.push(
      problemAt(
        ["keyVault", "purgeProtection"],
        "is on for the deployed vault, and Azure never turns it off again; set it back to true (a vault without it needs a new stack)",
      ),
    );
  }
  return problems;
}
