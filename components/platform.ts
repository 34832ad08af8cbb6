/**
 * GitOpsPlatform: the whole platform from one PlatformConfig. It only wires the components
 * together; each concern lives in its own component, with Args of its own. The one component that
 * knows PlatformConfig, and only as a type: the components' Args come mapped from the config by
 * stacks/component-args.ts (platformArgs), so no code of components/ runs code of stacks/. Parts that do not depend on each other
 * are not serialized: tenants do not wait for Vault, Vault does not wait for Flux.
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import type { PlatformConfig, TenantConfig } from "../stacks/schema";
import { AksCluster } from "./azure/aks-cluster";
import { AksClusterSettingsArgs, deployerPrincipalType } from "./azure/aks-profiles";
import { CiIdentity, ciEnvironments } from "./azure/ci-identity";
import { ContainerRegistry, RegistrySku } from "./azure/container-registry";
import { EncryptOnlyRole } from "./azure/encrypt-only-role";
import { KeyVault, KeyVaultAdministrator, KeyVaultSettingsArgs } from "./azure/key-vault";
import { PlatformNetwork } from "./azure/network";
import { clientConfig } from "./azure/roles";
import { ClusterPrometheus } from "./azure/cluster-prometheus";
import type { DiagnosticsArgs } from "./azure/common";
import { PlatformMonitoring } from "./azure/monitoring";
import { Flagger, flaggerController, flaggerScraper } from "./kubernetes/flagger";
import { Flux } from "./kubernetes/flux";
import { GitSource } from "./kubernetes/git-source";
import { FluxNotifications, NotificationTarget } from "./kubernetes/notifications";
import { FluxSources } from "./kubernetes/sources";
import { TENANT_TAG } from "./kubernetes/labels";
import { DEFAULT_FLUX_NAMESPACE, Tenant } from "./kubernetes/tenant";
import { TenantSops } from "./kubernetes/tenant-sops";
import type { PlatformServiceEndpoint } from "./kubernetes/tenant-policy";
import { HashiCorpVault, VAULT_RELEASE_NAME, vaultServerEndpoint, VaultSettings } from "./kubernetes/vault";
import { chartFullname } from "./kubernetes/vault-config";
import { SecretsWriterRole } from "./azure/secrets-writer-role";
import { VaultBootstrapSecretsRole } from "./azure/vault-bootstrap-role";
import { adoptedResourceGroupOptions, platformResourceGroupName } from "./platform-resource-group";
import { TenantIdentities } from "./kubernetes/tenant-identities";
import { SealedSecrets, SealedSecretsSettings } from "./kubernetes/sealed-secrets";

/** The components' own Args, as stacks/component-args.ts maps them from the config. */
export interface PlatformComponentArgs {
  /** Whether the environment is a production one (CI's deploy identity needs approval then). */
  production: boolean;
  cluster: AksClusterSettingsArgs;
  keyVault: KeyVaultSettingsArgs;
  /** HashiCorp Vault's settings; undefined: no Vault. */
  vault?: VaultSettings;
  /** Each tenant's container registry; undefined: none. */
  registry?: { sku: RegistrySku };
  /** Sealed Secrets' settings; undefined: no controller. */
  sealedSecrets?: SealedSecretsSettings;
  /** Audit logs and metrics; undefined: none. */
  monitoring?: PlatformMonitoringSettings;
}

/** Audit logs and metrics as the platform wires them (PlatformMonitoring, the diagnostic settings, ClusterPrometheus). */
export interface PlatformMonitoringSettings {
  /** Days the Log Analytics workspace keeps logs. */
  retentionDays: number;
  /** Daily ingestion cap in GB; undefined: none. */
  dailyCapGb?: number;
  /** The AKS control-plane log categories the cluster sends. */
  clusterLogCategories: string[];
  /** Managed Prometheus: the metrics addon, Flux scraped, alert rules. */
  prometheus: boolean;
  /** Action groups the alerts notify. */
  alertActionGroupIds: string[];
}

export interface GitOpsPlatformArgs {
  /** The validated stack config (stacks/: parsePlatformConfig or loadPlatform). */
  config: PlatformConfig;
  /** The components' Args from `config`: `platformArgs()` of stacks/component-args.ts fills this in. */
  components: PlatformComponentArgs;
  /** Webhook address of each Flux notification, by notification name; pass secrets. */
  notificationAddresses?: Record<string, pulumi.Input<string>>;
  /**
   * Webhook address of each tenant's own notification (`tenants[].notifications`), by tenant name,
   * then notification name; pass secrets. The platform's addresses never reach a tenant namespace.
   */
  tenantNotificationAddresses?: Record<string, Record<string, pulumi.Input<string>>>;
}

/** What one tenant got. */
export interface PlatformTenant {
  tenant: Tenant;
  git?: GitSource;
  sources?: FluxSources;
  notifications?: FluxNotifications;
  /** The tenant's SOPS key, identity and `.sops.yaml`, when `flux.sops` is on. */
  sops?: TenantSops;
  /** The tenant's own Key Vault and Azure identities, when `keyVault.enabled` or `identities` asks for them. */
  azure?: TenantIdentities;
  /** The tenant's own container registry (and push identity), when `registry.enabled`. */
  registry?: ContainerRegistry;
}

/** Tags every Azure resource of the platform carries; `environment` is what policies read. */
export function platformTags(config: PlatformConfig): Record<string, string> {
  return { ...config.tags, environment: config.environment, "managed-by": "pulumi", project: "gitops-platform" };
}

/**
 * Who creates, reads and deletes the platform's Key Vault keys through Pulumi: the admin groups
 * (the people who run the first deploy, and operate the platform), and, without ci, whoever runs
 * Pulumi (like cluster.deployerClusterAdmin). With ci, the CI deploy identity gets its own grant
 * (CiIdentity) and a grant to "whoever runs Pulumi" would move between people and CI.
 */
function keyVaultAdministrators(config: PlatformConfig, parent: pulumi.Resource): KeyVaultAdministrator[] {
  const groups: KeyVaultAdministrator[] = config.cluster.adminGroupObjectIds.map((id) => ({
    key: `admins-${id.toLowerCase()}`,
    principalId: id,
    principalType: "Group",
  }));
  if (!config.cluster.deployerClusterAdmin) return groups;
  const client = clientConfig({ parent });
  return [{ key: "deployer", principalId: client.objectId, principalType: client.clientId.apply(deployerPrincipalType) }, ...groups];
}

/**
 * A tenant's own notification targets (`tenants[].notifications`), never the platform's: the
 * webhook Secret lands in the tenant's namespace, where the tenant's admins and the Git content
 * reconciled as the tenant can read it (issue 13, item 3).
 */
function tenantNotifications(tenant: TenantConfig, addresses: GitOpsPlatformArgs["tenantNotificationAddresses"]): NotificationTarget[] {
  return tenant.notifications.map((n) => {
    const address = addresses?.[tenant.name]?.[n.name];
    if (address === undefined) throw new pulumi.RunError(`GitOpsPlatform: no webhook address for tenant ${tenant.name}'s notification "${n.name}"`);
    return { name: n.name, type: n.type, channel: n.channel, address, events: n.events };
  });
}

export class GitOpsPlatform extends pulumi.ComponentResource {
  readonly resourceGroup: resources.ResourceGroup;
  /** The nodes' VNet, when `cluster.network.vnet` is set (prod by default). */
  readonly network?: PlatformNetwork;
  readonly cluster: AksCluster;
  readonly keyVault: KeyVault;
  readonly flux: Flux;
  readonly tenants: Record<string, PlatformTenant>;
  /** HashiCorp Vault, when `vault.enabled`. */
  readonly vault?: HashiCorpVault;
  /** The GitHub Actions identities, when `config.ci` is set. */
  readonly ci?: CiIdentity;
  /** The encrypt-only role tenant admins get on their SOPS key, when `flux.sops` is on. */
  readonly encryptOnlyRole?: EncryptOnlyRole;
  /** Flagger (progressive delivery), when `flagger.enabled`. */
  readonly flagger?: Flagger;
  /** The write-only secrets role tenant admins get on their own Key Vault, when a tenant has one. */
  readonly secretsWriterRole?: SecretsWriterRole;
  /** The Vault bootstrap Job's role on the platform vault (set, list, read secrets), when `vault.enabled`. */
  readonly vaultBootstrapRole?: VaultBootstrapSecretsRole;
  private readonly componentArgs: PlatformComponentArgs;
  /** The Sealed Secrets controller and its keys, when `sealedSecrets.enabled`. */
  readonly sealedSecrets?: SealedSecrets;
  /** The Log Analytics and Azure Monitor workspaces, when `monitoring.enabled`. */
  readonly monitoring?: PlatformMonitoring;
  /** Managed Prometheus for the cluster, when `monitoring.prometheus`. */
  readonly prometheus?: ClusterPrometheus;

  constructor(name: string, args: GitOpsPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:index:GitOpsPlatform", name, {}, opts);
    const { config, components } = args;
    this.componentArgs = components;
    const tags = platformTags(config);
    const protect = config.protect;
    const child = { parent: this };

    this.resourceGroup = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: platformResourceGroupName(config.environment), location: config.location, tags },
      { ...child, protect, ...adoptedResourceGroupOptions(config.resourceGroup.existing) },
    );
    const resourceGroupName = this.resourceGroup.name;
    const location = config.location;

    const vnet = config.cluster.network.vnet;
    if (vnet) {
      this.network = new PlatformNetwork(
        `${name}-network`,
        { resourceGroupName, location, addressSpace: vnet.addressSpace, nodeSubnet: vnet.nodeSubnet, tags, protect },
        child,
      );
    }
    const nodeSubnetId = this.network?.nodeSubnetId;

    const monitoring = components.monitoring;
    if (monitoring) {
      this.monitoring = new PlatformMonitoring(
        `${name}-monitoring`,
        { resourceGroupName, location, retentionDays: monitoring.retentionDays, dailyCapGb: monitoring.dailyCapGb, prometheus: monitoring.prometheus, tags, protect },
        child,
      );
    }

    // With ci, config leaves deployerClusterAdmin off: CI identities get their own stable grants.
    this.cluster = new AksCluster(
      `${name}-aks`,
      {
        resourceGroupName,
        location,
        ...components.cluster,
        tags,
        protect,
        nodeSubnetId,
        diagnostics: this.monitoring?.clusterDiagnostics(monitoring?.clusterLogCategories),
        managedPrometheus: monitoring?.prometheus,
      },
      child,
    );
    this.keyVault = new KeyVault(
      `${name}-kv`,
      {
        resourceGroupName,
        location,
        environment: config.environment,
        ...components.keyVault,
        allowedSubnetIds: nodeSubnetId ? [nodeSubnetId] : undefined,
        administrators: keyVaultAdministrators(config, this),
        tags,
        protect,
        diagnostics: this.monitoring?.keyVaultDiagnostics(),
      },
      child,
    );

    const notifications: NotificationTarget[] = config.flux.notifications.map((n) => {
      const address = args.notificationAddresses?.[n.name];
      if (address === undefined) throw new pulumi.RunError(`GitOpsPlatform: no webhook address for notification "${n.name}"`);
      return { name: n.name, type: n.type, channel: n.channel, address, events: n.events };
    });

    this.flux = new Flux(
      `${name}-flux`,
      {
        install: config.flux.install,
        version: config.flux.version,
        multitenancy: config.flux.multitenancy,
        cluster: this.cluster,
        sops: config.flux.sops ? { keyVault: this.keyVault, sharedKey: config.flux.sharedSopsKey } : undefined,
        notifications,
        tags,
        protect,
        // The image controllers only run when some tenant pushes image updates.
        imageAutomation: config.tenants.some((t) => t.imageAutomation.enabled),
      },
      child,
    );

    if (config.flagger.enabled) {
      this.flagger = new Flagger(
        `${name}-flagger`,
        { cluster: this.cluster, version: config.flagger.version, namespace: config.flagger.namespace, prometheusRetention: config.flagger.prometheusRetention },
        child,
      );
    }

    // Tenants decrypt with keys and identities of their own (TenantSops); their admins encrypt
    // with an encrypt-only role on their own key.
    if (config.flux.sops) {
      this.encryptOnlyRole = new EncryptOnlyRole(`${name}-sops-encrypt-only`, { resourceGroupId: this.resourceGroup.id, environment: config.environment }, child);
    }

    // Tenants' admins write the secrets of their own vault and read none (SecretsWriterRole).
    if (config.tenants.some((t) => t.keyVault.enabled)) {
      this.secretsWriterRole = new SecretsWriterRole(`${name}-kv-secrets-writer`, { resourceGroupId: this.resourceGroup.id, environment: config.environment }, child);
    }

    // Vault's bootstrap Job writes and reads back its own secrets in the platform vault: a custom
    // role with only that, so that the CI deploy identity delegates no built-in Secrets Officer.
    if (components.vault) {
      this.vaultBootstrapRole = new VaultBootstrapSecretsRole(`${name}-vault-bootstrap-secrets`, { resourceGroupId: this.resourceGroup.id, environment: config.environment }, child);
    }

    const githubProvider = config.github.owner ? new github.Provider(`${name}-github`, { owner: config.github.owner }, child) : undefined;
    this.tenants = Object.fromEntries(
      config.tenants.map((tenant) => [
        tenant.name,
        this.createTenant(name, config, tenant, {
          notifications: tenantNotifications(tenant, args.tenantNotificationAddresses),
          githubProvider,
          // Vault is created below in its default namespace; its endpoint is a plain value.
          vaultEgress: components.vault ? vaultServerEndpoint() : undefined,
          // A tenant's vault is audited like the platform's (audit-logs-collected).
          keyVault: { ...components.keyVault, allowedSubnetIds: nodeSubnetId ? [nodeSubnetId] : undefined, protect, diagnostics: this.monitoring?.keyVaultDiagnostics() },
        }),
      ]),
    );

    if (config.ci) {
      // The platform's provider when it already serves the repository's owner; otherwise one of its own.
      const owner = config.ci.repository.split("/")[0];
      const ciGithub =
        githubProvider && config.github.owner?.toLowerCase() === owner.toLowerCase()
          ? githubProvider
          : new github.Provider(`${name}-github-ci`, { owner }, child);
      const environments = ciEnvironments({ ...config.ci, environment: config.environment, production: components.production });
      this.ci = new CiIdentity(
        `${name}-ci`,
        {
          repository: config.ci.repository,
          productionEnvironment: config.ci.productionEnvironment,
          previewEnvironment: config.ci.previewEnvironment,
          driftEnvironment: environments.drift,
          deployEnvironment: environments.deploy,
          reviewers: config.ci.reviewers,
          runnerLabel: config.ci.runner.label,
          production: components.production,
          variableSuffix: config.environment,
          resourceGroupName,
          location,
          scopes: { resourceGroupId: this.resourceGroup.id, clusterId: this.cluster.id, keyVaultId: this.keyVault.id },
          groupDelegableRoleGuids: [this.encryptOnlyRole?.guid, this.secretsWriterRole?.guid].filter((guid) => guid !== undefined),
          servicePrincipalDelegableRoleGuids: this.vaultBootstrapRole ? [this.vaultBootstrapRole.guid] : [],
          tags,
        },
        { ...child, providers: { github: ciGithub } },
      );
    }

    if (components.vault) {
      this.vault = new HashiCorpVault(
        `${name}-vault`,
        {
          cluster: this.cluster,
          ...components.vault,
          keyVault: this.keyVault,
          bootstrapSecretsRole: this.vaultBootstrapRole,
          resourceGroupName,
          location,
          tenantId: this.keyVault.tenantId,
          // Per application; every service account of a namespace only where config says so.
          tenants: config.tenants.map((t) => ({ name: t.name, namespace: t.namespace, namespaceWide: t.vault.namespaceWide, roles: t.vault.roles })),
          protect,
          tags,
        },
        child,
      );
    }

    if (components.sealedSecrets) {
      this.sealedSecrets = new SealedSecrets(
        `${name}-sealed-secrets`,
        { cluster: this.cluster, keyVault: this.keyVault, ...components.sealedSecrets, protect },
        child,
      );
    }

    if (monitoring?.prometheus && this.monitoring?.azureMonitorWorkspaceId) {
      const fluxNamespace = DEFAULT_FLUX_NAMESPACE;
      this.prometheus = new ClusterPrometheus(
        `${name}-prometheus`,
        {
          resourceGroupName,
          location,
          tags,
          azureMonitorWorkspaceId: this.monitoring.azureMonitorWorkspaceId,
          cluster: this.cluster,
          fluxNamespace,
          // Vault in HashiCorpVault's default namespace, which the platform keeps; its StatefulSet is the chart's fullname.
          alerts: { fluxNamespace, vault: this.vault ? { namespace: "vault", statefulSet: chartFullname(VAULT_RELEASE_NAME) } : undefined },
          actionGroupIds: monitoring.alertActionGroupIds,
        },
        child,
      );
    }

    this.registerOutputs({});
  }

  /**
   * AcrPull on `tenant`'s registry for a service principal (a managed identity), named
   * `<registry>-acrpull-<key>`: for a tenant's Flux source with `provider: azure` (its workload
   * identity), for example. Pull is all it gets, and on this tenant's registry only. Undefined
   * when the tenant has no registry (`registry.enabled` off). No propagation wait: Flux retries a
   * refused pull on its interval.
   */
  grantRegistryPull(tenant: string, key: string, principalId: pulumi.Input<string>): authorization.RoleAssignment | undefined {
    const platformTenant = this.tenants[tenant];
    if (!platformTenant) throw new pulumi.RunError(`GitOpsPlatform: no tenant "${tenant}"`);
    return platformTenant.registry?.grantPull(key, principalId);
  }

  /**
   * The tenant's own registry: its CI identities push there and nowhere else, the cluster's
   * kubelet pulls from it, so Pods name `<login server>/<image>` without a pull secret.
   */
  private tenantRegistry(prefix: string, config: PlatformConfig, tenant: TenantConfig, parent: Tenant): ContainerRegistry | undefined {
    const settings = this.componentArgs.registry;
    if (!settings) return undefined;
    const registry = new ContainerRegistry(
      `${prefix}-acr`,
      {
        resourceGroupName: this.resourceGroup.name,
        location: config.location,
        purpose: tenant.name,
        environment: config.environment,
        sku: settings.sku,
        pushers: tenant.registry.push,
        tags: { ...platformTags(config), [TENANT_TAG]: tenant.name },
        diagnostics: this.monitoring?.registryDiagnostics(),
        protect: config.protect,
      },
      { parent },
    );
    // The kubelet pulls every Pod's images, whatever its namespace. Nothing in this `pulumi up`
    // pulls from the registry (it is new and empty, and kubelet retries a refused pull with
    // back-off), so no propagation wait.
    registry.grantPull("kubelet", this.cluster.kubeletIdentity.objectId);
    return registry;
  }

  private createTenant(
    name: string,
    config: PlatformConfig,
    tenant: TenantConfig & { namespace: string },
    shared: {
      notifications: NotificationTarget[];
      githubProvider?: github.Provider;
      vaultEgress?: PlatformServiceEndpoint;
      /** The platform vault's settings and firewall, for a tenant's own vault. */
      keyVault: KeyVaultSettingsArgs & { allowedSubnetIds?: pulumi.Input<string>[]; protect: boolean; diagnostics?: DiagnosticsArgs };
    },
  ): PlatformTenant {
    const provider = this.cluster.provider;
    const prefix = `${name}-${tenant.name}`;
    const created = new Tenant(
      prefix,
      {
        provider,
        name: tenant.name,
        namespace: tenant.namespace,
        environment: config.environment,
        groups: tenant.groups,
        quota: tenant.quota,
        services: tenant.services,
        limits: tenant.limits,
        vaultEgress: shared.vaultEgress,
        reconcilerAccess: {
          extraRules: tenant.extraApiAccess,
          sealedSecrets: config.sealedSecrets.enabled,
          imageAutomation: tenant.imageAutomation.enabled,
          canaries: this.flagger !== undefined,
        },
        // Flagger's Prometheus scrapes the tenant's pods for canary metrics (Flagger itself is not admitted: flaggerScraper).
        allowIngressFromAddons: this.flagger ? [flaggerScraper(config.flagger.namespace)] : undefined,
        flaggerLoadTester: this.flagger && tenant.flagger.loadTester ? { flagger: flaggerController(config.flagger.namespace) } : undefined,
      },
      { parent: this },
    );
    // Where a tenant's managed identities go, and the issuer their federated credentials trust.
    const identityHome = { resourceGroupName: this.resourceGroup.name, location: config.location, oidcIssuerUrl: this.cluster.oidcIssuerUrl };
    const sops = this.encryptOnlyRole
      ? new TenantSops(
          `${prefix}-sops`,
          {
            provider,
            tenant: tenant.name,
            namespace: tenant.namespace,
            keyVault: this.keyVault,
            cluster: identityHome,
            adminGroups: tenant.groups.admins,
            encryptOnly: this.encryptOnlyRole,
            namespaceReady: created.ready,
            tags: platformTags(config),
            protect: config.protect,
          },
          { parent: created },
        )
      : undefined;
    // Sources with provider azure name an account of an identity (tenants[].identities).
    const sourceServiceAccounts = [...tenant.ociRepositories, ...tenant.buckets]
      .filter((source) => source.provider === "azure" && source.serviceAccountName !== undefined)
      .map((source) => source.serviceAccountName!);
    const registry = this.tenantRegistry(prefix, config, tenant, created);
    const azure =
      tenant.keyVault.enabled || tenant.identities.length > 0
        ? new TenantIdentities(
            `${prefix}-azure`,
            {
              provider,
              tenant: tenant.name,
              namespace: tenant.namespace,
              environment: config.environment,
              cluster: identityHome,
              keyVault: tenant.keyVault.enabled ? shared.keyVault : undefined,
              adminGroups: tenant.groups.admins,
              secretsWriter: this.secretsWriterRole,
              identities: tenant.identities,
              registryId: registry?.id,
              sourceServiceAccounts,
              imageServiceAccounts: tenant.imageAutomation.enabled ? tenant.imageAutomation.serviceAccounts : [],
              namespaceReady: created.ready,
              tags: platformTags(config),
            },
            { parent: created },
          )
        : undefined;
    // Tenant objects need the Flux CRDs and the tenant's own RBAC (and, to decrypt, its
    // decryption account; to pull with an identity, its accounts and source-controller's token Role); nothing else.
    const fluxReady = [...this.flux.ready, ...created.ready, ...(sops ? [sops.account] : []), ...(azure ? azure.ready : [])];
    // The namespace as a plain string: ordering comes from fluxReady (which holds the Namespace),
    // so GitHub-side resources such as the deploy key need not wait for the cluster.
    const common = { provider, namespace: tenant.namespace, serviceAccountName: created.serviceAccountName, sops: config.flux.sops, fluxReady };
    const result: PlatformTenant = { tenant: created, sops, azure, registry };
    if (tenant.git) {
      result.git = new GitSource(
        `${prefix}-git`,
        {
          ...common,
          repository: tenant.git.repository,
          branch: tenant.git.branch,
          path: tenant.git.path,
          interval: tenant.git.interval,
          create: tenant.git.create,
          imageAutomation: tenant.imageAutomation.enabled ? { pushBranch: tenant.imageAutomation.pushBranch } : undefined,
          // Plain strings for the deploy key's title, so the key need not wait for the cluster.
          clusterName: `gitops-platform-${config.environment}`,
        },
        { parent: created, ...(shared.githubProvider ? { providers: { github: shared.githubProvider } } : {}) },
      );
    }
    if (tenant.helmReleases.length + tenant.ociRepositories.length + tenant.buckets.length > 0) {
      result.sources = new FluxSources(
        `${prefix}-sources`,
        { ...common, helmReleases: tenant.helmReleases, ociRepositories: tenant.ociRepositories, buckets: tenant.buckets },
        { parent: created },
      );
    }
    // With multitenancy, notification-controller only sees events from an Alert's own namespace.
    // The tenant's own targets only: its admins and its Git content can read these Secrets.
    if (shared.notifications.length > 0) {
      result.notifications = new FluxNotifications(
        `${prefix}-alerts`,
        { provider, namespace: created.namespace, notifications: shared.notifications, fluxReady },
        { parent: created },
      );
    }
    return result;
  }
}
