/**
 * The stack config schema: the shape (config-shape.ts), the cross-field rules (rules.ts) and the
 * values that default to other values, raw stack config in, PlatformConfig out.
 */
import type { z } from "zod";
import { configToday } from "./clock";
import { FLUX_CHART_VERSION, ParsedPlatform, platformObjectSchema, RuleContext } from "./config-shape";
import { effectiveVnet, environmentDefaults } from "./environments";
import { checkPlatformRules } from "./rules";

export { FLUX_CHART_VERSION, platformObjectSchema, type ParsedPlatform, type RuleContext } from "./config-shape";

/** Shape, cross-field rules and derived values: raw stack config in, PlatformConfig out. */
export function platformSchema(environment: string, context: RuleContext = { today: configToday() }) {
  return platformObjectSchema(environment)
    .superRefine((config, ctx) => checkPlatformRules(config, ctx, context))
    .transform(fillDerivedValues);
}

/** Values that default to other values: tenant namespaces and repository owners. */
function fillDerivedValues(config: ParsedPlatform) {
  const owner = config.github.owner;
  const window = config.cluster.maintenanceWindow;
  const vnet = config.cluster.network.vnet;
  return {
    ...config,
    flux: { ...config.flux, version: config.flux.version ?? (config.flux.install === "helm" ? FLUX_CHART_VERSION : undefined) },
    cluster: {
      ...config.cluster,
      // With CI the principal running Pulumi changes from run to run; see checkCi in rules.ts.
      deployerClusterAdmin: config.cluster.deployerClusterAdmin ?? config.ci === undefined,
      maintenanceWindow: window === undefined ? environmentDefaults(config.environment).maintenanceWindow : (window ?? undefined),
      network: { ...config.cluster.network, vnet: effectiveVnet(config.environment, vnet) },
    },
    tenants: config.tenants.map((tenant) => ({
      ...tenant,
      namespace: tenant.namespace ?? tenant.name,
      identities: tenant.identities.map((identity) => ({ ...identity, serviceAccounts: identity.serviceAccounts ?? [identity.name] })),
      git: tenant.git && {
        ...tenant.git,
        repository: tenant.git.repository.includes("/") ? tenant.git.repository : `${owner}/${tenant.git.repository}`,
      },
    })),
  };
}

/** The validated stack config, every default filled in. */
export type PlatformConfig = z.output<ReturnType<typeof platformSchema>>;
export type ClusterConfig = PlatformConfig["cluster"];
export type KeyVaultConfig = PlatformConfig["keyVault"];
export type FluxConfig = PlatformConfig["flux"];
export type TenantConfig = PlatformConfig["tenants"][number];
export type VaultConfig = PlatformConfig["vault"];
export type NotificationConfig = FluxConfig["notifications"][number];
export type MonitoringConfig = PlatformConfig["monitoring"];
