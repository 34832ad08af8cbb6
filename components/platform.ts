/**
 * GitOpsPlatform: the whole platform, wired from the components' own settings (stacks/
 * component-args.ts maps the stack config to these Args; nothing here knows the config's types).
 * The constructor reads top to bottom as the steps that build it: foundation, cluster, secrets,
 * Flux, tenants, delivery, CI, Vault, Sealed Secrets, monitoring. Steps that do not depend on each
 * other are not serialized: tenants do not wait for Vault, Vault does not wait for Flux.
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import type * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import { AksCluster } from "./azure/aks-cluster";
import { AksClusterSettingsArgs, deployerPrincipalType } from "./azure/aks-profiles";
import { CiIdentity, ciEnvironments } from "./azure/ci-identity";
import type { RegistrySku } from "./azure/container-registry";
import { EncryptOnlyRole } from "./azure/encrypt-only-role";
import { KeyVault, KeyVaultAdministrator, KeyVaultSettingsArgs } from "./azure/key-vault";
import { PlatformNetwork } from "./azure/network";
import { clientConfig } from "./azure/roles";
import { AppRoutingAccess } from "./azure/app-routing-access";
import { ClusterPrometheus } from "./azure/cluster-prometheus";
import { PlatformMonitoring } from "./azure/monitoring";
import { SecretsWriterRole } from "./azure/secrets-writer-role";
import { TenantDeployers, tenantDeployerRoleGuid } from "./azure/tenant-deployer";
import { VaultBootstrapSecretsRole } from "./azure/vault-bootstrap-role";
import { engineTurn } from "./engine-turn";
import { adoptedResourceGroupOptions } from "./platform-resource-group";
import { Flagger, flaggerController, flaggerScraper } from "./kubernetes/flagger";
import { Flux, FluxArgs } from "./kubernetes/flux";
import { DEFAULT_FLUX_NAMESPACE } from "./kubernetes/flux-install";
import type { NotificationTarget } from "./kubernetes/notifications";
import { HashiCorpVault, HashiCorpVaultOidcArgs, VAULT_RELEASE_NAME, vaultServerEndpoint, VaultSettings } from "./kubernetes/vault";
import type { TenantAccess } from "./kubernetes/vault-bootstrap";
import { chartFullname } from "./kubernetes/vault-config";
import { SealedSecrets, SealedSecretsSettings } from "./kubernetes/sealed-secrets";
import { GitOpsTenant, TenantPlatform, TenantSpec } from "./tenant/gitops-tenant";

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

/** Flux as the platform installs it; the notifications' addresses come apart, as secrets. */
export interface PlatformFluxSettings extends Pick<FluxArgs, "install" | "version" | "multitenancy"> {
  /** Decrypt SOPS with each tenant's own Key Vault key and identity. */
  sops: boolean;
  /** Keep the SOPS key earlier versions shared between tenants (re-encrypting only). */
  sharedSopsKey: boolean;
  /** Alerts on the platform's own Flux objects. */
  notifications: Omit<NotificationTarget, "address">[];
}

/** The GitHub Actions identities and environments of the infrastructure repository (CiIdentity). */
export interface PlatformCiSettings {
  /** The infrastructure repository, owner/name. */
  repository: string;
  productionEnvironment: string;
  previewEnvironment: string;
  /** A read-only drift report job, in an environment of its own. */
  driftReport: boolean;
  reviewers: { users: number[]; teams: number[] };
  /** The self-hosted runner label that deploys this stack; undefined: hosted runners. */
  runnerLabel?: string;
}

/** A tenant as the platform builds it: what GitOpsTenant makes, and its access to HashiCorp Vault. */
export interface PlatformTenantSpec extends TenantSpec {
  vault: Pick<TenantAccess, "namespaceWide" | "roles">;
  /**
   * The tenant stack that builds this tenant's Flux side (Git, sources, alerts); the platform
   * then builds only the platform side (GitOpsTenant, side "platform"). Undefined: inline, the
   * platform builds the whole tenant.
   */
  stack?: string;
}

export interface GitOpsPlatformArgs {
  /** The environment's name (dev, prod): in resource names and the `environment` tag. */
  environment: string;
  /** A production environment: CI's deploy identity needs approval. */
  production: boolean;
  location: string;
  /** Tags of every Azure resource (platformTags). */
  tags: Record<string, string>;
  /** Protect the stateful resources from deletion. */
  protect: boolean;
  /** The platform's resource group. */
  resourceGroupName: string;
  /** The ARM id of that group when it already exists: the stack adopts it (and leaves it on destroy). Undefined: the stack creates it. */
  existingResourceGroupId?: string;
  /** A VNet for the nodes; undefined: AKS's managed one. */
  network?: { addressSpace: string; nodeSubnet: string };
  cluster: AksClusterSettingsArgs;
  keyVault: KeyVaultSettingsArgs;
  flux: PlatformFluxSettings;
  /** Flagger (progressive delivery); undefined: none. */
  flagger?: { version?: string; namespace: string; prometheusRetention?: string };
  /** The owner of the tenants' repositories, for the GitHub provider of deploy keys; undefined: the ambient provider. */
  githubOwner?: string;
  /** The CI identities; undefined: none. */
  ci?: PlatformCiSettings;
  /** HashiCorp Vault's settings (and people's OIDC login, when `oidc` is set); undefined: no Vault. */
  vault?: VaultSettings & { oidc?: HashiCorpVaultOidcArgs };
  /** Each tenant's container registry; undefined: none. */
  registry?: { sku: RegistrySku };
  /** Sealed Secrets' settings; undefined: no controller. */
  sealedSecrets?: SealedSecretsSettings;
  /** Audit logs and metrics; undefined: none. */
  monitoring?: PlatformMonitoringSettings;
  /** The AKS application routing add-on (tenants' Ingresses, certificates from the Key Vault); undefined: none. */
  ingress?: { dnsZoneIds: string[] };
  tenants: PlatformTenantSpec[];
  /** Webhook address of each Flux notification, by notification name; pass secrets. */
  notificationAddresses?: Record<string, pulumi.Input<string>>;
  /**
   * Webhook address of each tenant's own notification, by tenant name, then notification name;
   * pass secrets. The platform's addresses never reach a tenant namespace.
   */
  tenantNotificationAddresses?: Record<string, Record<string, pulumi.Input<string>>>;
}

/** What one tenant got. */
export type PlatformTenant = GitOpsTenant;

/** Tags every Azure resource of the platform carries; `environment` is what policies read. */
export function platformTags(settings: { tags: Record<string, string>; environment: string }): Record<string, string> {
  return { ...settings.tags, environment: settings.environment, "managed-by": "pulumi", project: "gitops-platform" };
}

/** The cluster's name in the title of every tenant's deploy key. */
export function deployKeyClusterName(environment: string): string {
  return `gitops-platform-${environment}`;
}

/** The name of a tenant's GitOpsTenant (and the prefix of all its resources) in a platform named `platform`. */
export function tenantResourceName(platform: string, tenant: string): string {
  return `${platform}-${tenant}`;
}

/**
 * Who creates, reads and deletes the platform's Key Vault keys through Pulumi: the admin groups
 * (the people who run the first deploy, and operate the platform), and, without ci, whoever runs
 * Pulumi (like cluster.deployerClusterAdmin). With ci, the CI deploy identity gets its own grant
 * (CiIdentity) and a grant to "whoever runs Pulumi" would move between people and CI.
 */
function keyVaultAdministrators(cluster: AksClusterSettingsArgs, parent: pulumi.Resource): KeyVaultAdministrator[] {
  const groups: KeyVaultAdministrator[] = (cluster.adminGroupObjectIds ?? []).map((id) => ({
    key: `admins-${id.toLowerCase()}`,
    principalId: id,
    principalType: "Group",
  }));
  if (!cluster.deployerClusterAdmin) return groups;
  const client = clientConfig({ parent });
  return [{ key: "deployer", principalId: client.objectId, principalType: client.clientId.apply(deployerPrincipalType) }, ...groups];
}

function withAddresses(targets: Omit<NotificationTarget, "address">[], addresses: Record<string, pulumi.Input<string>> | undefined): NotificationTarget[] {
  return targets.map((n) => {
    const address = addresses?.[n.name];
    if (address === undefined) throw new pulumi.RunError(`GitOpsPlatform: no webhook address for notification "${n.name}"`);
    return { ...n, address };
  });
}

export class GitOpsPlatform extends pulumi.ComponentResource {
  readonly resourceGroup: resources.ResourceGroup;
  /** The nodes' VNet, when `network` is set (prod by default). */
  readonly network?: PlatformNetwork;
  readonly cluster: AksCluster;
  readonly keyVault: KeyVault;
  readonly flux: Flux;
  readonly tenants: Record<string, GitOpsTenant> = {};
  /** HashiCorp Vault, when `vault` is set. */
  readonly vault?: HashiCorpVault;
  /** The GitHub Actions identities, when `ci` is set. */
  readonly ci?: CiIdentity;
  /** One deployer identity and GitHub environment per tenant stack, when `ci` is set and tenants live in tenant stacks. */
  readonly tenantDeployers?: TenantDeployers;
  /** The encrypt-only role tenant admins get on their SOPS key, when `flux.sops` is on. */
  readonly encryptOnlyRole?: EncryptOnlyRole;
  /** Flagger (progressive delivery), when `flagger` is set. */
  readonly flagger?: Flagger;
  /** The write-only secrets role tenant admins get on their own Key Vault, when a tenant has one. */
  readonly secretsWriterRole?: SecretsWriterRole;
  /** The Vault bootstrap Job's role on the platform vault (set, list, read secrets), when `vault` is set. */
  readonly vaultBootstrapRole?: VaultBootstrapSecretsRole;
  /** The Sealed Secrets controller and its keys, when `sealedSecrets` is set. */
  readonly sealedSecrets?: SealedSecrets;
  /** The Log Analytics and Azure Monitor workspaces, when `monitoring` is set. */
  readonly monitoring?: PlatformMonitoring;
  /** Managed Prometheus for the cluster, when `monitoring.prometheus`. */
  readonly prometheus?: ClusterPrometheus;
  /** The application routing add-on's grants (DNS zones, tenants' certificates), when `ingress`. */
  readonly appRoutingAccess?: AppRoutingAccess;
  private readonly name: string;
  private readonly args: GitOpsPlatformArgs;
  /** The GitHub provider of the tenants' deploy keys, when `githubOwner` is set. */
  private readonly githubProvider?: github.Provider;
  /** The GitHub provider of the infrastructure repository's owner, when `ci` is set. */
  private ciGithub?: github.Provider;

  /** Set by `build` while it constructs: the constructor leaves the tenants to it. */
  private static tenantsLater = false;
  /** Builds one tenant (GitOpsTenant) into `tenants`, from what the platform offers them all. */
  private readonly addTenant: (tenant: PlatformTenantSpec) => void;

  /**
   * The platform as `new GitOpsPlatform` builds it (the same resources, names and parents), its
   * tenants one by one with a turn of the event loop between them, so that the engine registers
   * a tenant's resources before the next is built. Built in one synchronous pass (the
   * constructor), every resource of every tenant is pending at once and survives the young
   * generation's collections: at 100 tenants that was the larger part of synth's time and peak
   * memory (bench/RESULTS.md, issue 28 fourth round). Under the real engine the turn only lets
   * the registrations already made go out; nothing waits for a resource to be created.
   */
  static async build(name: string, args: GitOpsPlatformArgs, opts?: pulumi.ComponentResourceOptions): Promise<GitOpsPlatform> {
    GitOpsPlatform.tenantsLater = true;
    let platform: GitOpsPlatform;
    try {
      platform = new GitOpsPlatform(name, args, opts);
    } finally {
      GitOpsPlatform.tenantsLater = false;
    }
    for (const tenant of args.tenants) {
      platform.addTenant(tenant);
      await engineTurn();
    }
    return platform;
  }

  constructor(name: string, args: GitOpsPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:index:GitOpsPlatform", name, {}, opts);
    this.name = name;
    this.args = args;
    ({ resourceGroup: this.resourceGroup, network: this.network, monitoring: this.monitoring } = this.foundation());
    this.cluster = this.aksCluster();
    this.keyVault = this.platformKeyVault();
    this.flux = this.fluxInstall();
    const onPlatform = this.tenantsOnPlatform();
    ({ encryptOnlyRole: this.encryptOnlyRole, secretsWriterRole: this.secretsWriterRole, githubProvider: this.githubProvider } = onPlatform);
    this.addTenant = onPlatform.addTenant;
    if (!GitOpsPlatform.tenantsLater) args.tenants.forEach(this.addTenant);
    this.flagger = this.delivery();
    // Vault's bootstrap Job writes and reads back its own secrets in the platform vault: a custom
    // role with only that, so that the CI deploy identity delegates no built-in Secrets Officer.
    this.vaultBootstrapRole = args.vault
      ? new VaultBootstrapSecretsRole(`${name}-vault-bootstrap-secrets`, { resourceGroupId: this.resourceGroup.id, environment: args.environment }, this.child)
      : undefined;
    this.ci = this.ciIdentity();
    this.tenantDeployers = this.tenantStackDeployers();
    this.vault = this.hashiCorpVault();
    this.sealedSecrets = this.sealedSecretsController();
    this.prometheus = this.clusterPrometheus();
    this.appRoutingAccess = this.ingressAccess();
    this.registerOutputs({});
  }

  /**
   * AcrPull on `tenant`'s registry for a service principal (a managed identity), named
   * `<registry>-acrpull-<key>`: for a tenant's Flux source with `provider: azure` (its workload
   * identity), for example. Pull is all it gets, and on this tenant's registry only. Undefined
   * when the tenant has no registry (`registry` unset). No propagation wait: Flux retries a
   * refused pull on its interval.
   */
  grantRegistryPull(tenant: string, key: string, principalId: pulumi.Input<string>): authorization.RoleAssignment | undefined {
    const platformTenant = this.tenants[tenant];
    if (!platformTenant) throw new pulumi.RunError(`GitOpsPlatform: no tenant "${tenant}"`);
    return platformTenant.registry?.grantPull(key, principalId);
  }

  private get child(): pulumi.CustomResourceOptions {
    return { parent: this };
  }

  private get tags(): Record<string, string> {
    return platformTags(this.args);
  }

  /** The resource group, the nodes' VNet and the monitoring workspaces everything else reports to. */
  private foundation(): { resourceGroup: resources.ResourceGroup; network?: PlatformNetwork; monitoring?: PlatformMonitoring } {
    const { args, name } = this;
    const resourceGroup = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: args.resourceGroupName, location: args.location, tags: this.tags },
      { ...this.child, protect: args.protect, ...adoptedResourceGroupOptions(args.existingResourceGroupId) },
    );
    const home = { resourceGroupName: resourceGroup.name, location: args.location, tags: this.tags, protect: args.protect };
    const network = args.network && new PlatformNetwork(`${name}-network`, { ...home, ...args.network }, this.child);
    const monitoring =
      args.monitoring &&
      new PlatformMonitoring(
        `${name}-monitoring`,
        { ...home, retentionDays: args.monitoring.retentionDays, dailyCapGb: args.monitoring.dailyCapGb, prometheus: args.monitoring.prometheus },
        this.child,
      );
    return { resourceGroup, network, monitoring };
  }

  /** AKS; with ci, config leaves deployerClusterAdmin off: CI identities get their own stable grants. */
  private aksCluster(): AksCluster {
    const { args } = this;
    return new AksCluster(
      `${this.name}-aks`,
      {
        resourceGroupName: this.resourceGroup.name,
        location: args.location,
        ...args.cluster,
        tags: this.tags,
        protect: args.protect,
        nodeSubnetId: this.network?.nodeSubnetId,
        diagnostics: this.monitoring?.clusterDiagnostics(args.monitoring?.clusterLogCategories),
        managedPrometheus: args.monitoring?.prometheus,
        appRouting: args.ingress,
      },
      this.child,
    );
  }

  /** The Key Vault (RBAC mode), behind the node subnet's firewall where there is a VNet. */
  private platformKeyVault(): KeyVault {
    const { args } = this;
    return new KeyVault(
      `${this.name}-kv`,
      {
        resourceGroupName: this.resourceGroup.name,
        location: args.location,
        environment: args.environment,
        ...args.keyVault,
        allowedSubnetIds: this.allowedSubnetIds,
        administrators: keyVaultAdministrators(args.cluster, this),
        tags: this.tags,
        protect: args.protect,
        diagnostics: this.monitoring?.keyVaultDiagnostics(),
      },
      this.child,
    );
  }

  private get allowedSubnetIds(): pulumi.Input<string>[] | undefined {
    const subnet = this.network?.nodeSubnetId;
    return subnet ? [subnet] : undefined;
  }

  private fluxInstall(): Flux {
    const { args } = this;
    const { sops, sharedSopsKey, notifications, ...install } = args.flux;
    return new Flux(
      `${this.name}-flux`,
      {
        ...install,
        cluster: this.cluster,
        sops: sops ? { keyVault: this.keyVault, sharedKey: sharedSopsKey } : undefined,
        notifications: withAddresses(notifications, args.notificationAddresses),
        tags: this.tags,
        protect: args.protect,
        // The image controllers only run when some tenant pushes image updates.
        imageAutomation: args.tenants.some((t) => t.imageAutomation !== undefined),
      },
      this.child,
    );
  }

  /**
   * Every tenant (GitOpsTenant), from what the platform offers them all. Tenants decrypt with keys
   * and identities of their own; their admins encrypt with an encrypt-only role on their own key
   * and write (never read) the secrets of their own vault.
   */
  private tenantsOnPlatform(): {
    addTenant: (tenant: PlatformTenantSpec) => void;
    encryptOnlyRole?: EncryptOnlyRole;
    secretsWriterRole?: SecretsWriterRole;
    githubProvider?: github.Provider;
  } {
    const { args, name } = this;
    const resourceGroupId = this.resourceGroup.id;
    const roleArgs = { resourceGroupId, environment: args.environment };
    const encryptOnlyRole = args.flux.sops ? new EncryptOnlyRole(`${name}-sops-encrypt-only`, roleArgs, this.child) : undefined;
    const secretsWriterRole = args.tenants.some((t) => t.keyVault) ? new SecretsWriterRole(`${name}-kv-secrets-writer`, roleArgs, this.child) : undefined;
    const githubProvider = args.githubOwner ? new github.Provider(`${name}-github`, { owner: args.githubOwner }, this.child) : undefined;
    // Flagger is created in buildDelivery, after the tenants; only its namespace matters here.
    const flaggerNamespace = args.flagger?.namespace;
    const platform: TenantPlatform = {
      environment: args.environment,
      provider: this.cluster.provider,
      // Plain strings for the deploy key's title, so the key need not wait for the cluster.
      clusterName: deployKeyClusterName(args.environment),
      azure: { resourceGroupName: this.resourceGroup.name, location: args.location, oidcIssuerUrl: this.cluster.oidcIssuerUrl },
      tags: this.tags,
      protect: args.protect,
      fluxReady: this.flux.ready,
      sops: args.flux.sops,
      sopsKeys: encryptOnlyRole && { keyVault: this.keyVault, encryptOnly: encryptOnlyRole },
      // A tenant's vault is audited and firewalled like the platform's (audit-logs-collected).
      keyVault: { ...args.keyVault, allowedSubnetIds: this.allowedSubnetIds, diagnostics: this.monitoring?.keyVaultDiagnostics() },
      secretsWriter: secretsWriterRole,
      registry: args.registry && { sku: args.registry.sku, kubeletObjectId: this.cluster.kubeletIdentity.objectId, diagnostics: this.monitoring?.registryDiagnostics() },
      // Vault is created in its default namespace; its endpoint is a plain value.
      vaultEgress: args.vault ? vaultServerEndpoint() : undefined,
      addons: {
        sealedSecrets: args.sealedSecrets !== undefined,
        canaries: flaggerNamespace !== undefined,
        // Flagger's Prometheus scrapes the tenant's pods for canary metrics (Flagger itself is not admitted: flaggerScraper).
        ingressFrom: flaggerNamespace !== undefined ? [flaggerScraper(flaggerNamespace)] : [],
        // A tenant's load tester serves only Flagger's pods.
        loadTesterClient: flaggerNamespace !== undefined ? flaggerController(flaggerNamespace) : undefined,
        // Every tenant's Ingresses are held to its own hosts and certificates (of the platform vault).
        ingress: args.ingress ? { keyVaultName: this.keyVault.name } : undefined,
      },
      githubProvider,
    };
    const addTenant = (tenant: PlatformTenantSpec): void => {
      this.tenants[tenant.name] = new GitOpsTenant(
        tenantResourceName(name, tenant.name),
        { tenant, platform, side: tenant.stack === undefined ? "whole" : "platform", notificationAddresses: args.tenantNotificationAddresses?.[tenant.name] },
        this.child,
      );
    };
    return { addTenant, encryptOnlyRole, secretsWriterRole, githubProvider };
  }

  /** Flagger (progressive delivery) and its Prometheus. */
  private delivery(): Flagger | undefined {
    const flagger = this.args.flagger;
    if (!flagger) return undefined;
    return new Flagger(`${this.name}-flagger`, { cluster: this.cluster, ...flagger }, this.child);
  }

  /** The GitHub Actions identities, environments and variables of the infrastructure repository. */
  private ciIdentity(): CiIdentity | undefined {
    const { args, name } = this;
    const ci = args.ci;
    if (!ci) return undefined;
    // The platform's provider when it already serves the repository's owner; otherwise one of its own.
    const owner = ci.repository.split("/")[0];
    const platformGithub = this.githubProvider;
    const ciGithub =
      platformGithub && args.githubOwner?.toLowerCase() === owner.toLowerCase() ? platformGithub : new github.Provider(`${name}-github-ci`, { owner }, this.child);
    this.ciGithub = ciGithub;
    const environments = ciEnvironments({ ...ci, environment: args.environment, production: args.production });
    return new CiIdentity(
      `${name}-ci`,
      {
        repository: ci.repository,
        productionEnvironment: ci.productionEnvironment,
        previewEnvironment: ci.previewEnvironment,
        driftEnvironment: environments.drift,
        deployEnvironment: environments.deploy,
        reviewers: ci.reviewers,
        runnerLabel: ci.runnerLabel,
        production: args.production,
        variableSuffix: args.environment,
        resourceGroupName: this.resourceGroup.name,
        location: args.location,
        scopes: { resourceGroupId: this.resourceGroup.id, clusterId: this.cluster.id, keyVaultId: this.keyVault.id },
        groupDelegableRoleGuids: [this.encryptOnlyRole?.guid, this.secretsWriterRole?.guid].filter((guid) => guid !== undefined),
        servicePrincipalDelegableRoleGuids: [
          ...(this.vaultBootstrapRole ? [this.vaultBootstrapRole.guid] : []),
          // The deploy identity assigns the tenant deployers their namespace role.
          ...(this.tenantStacks().length > 0 ? [this.resourceGroup.id.apply(tenantDeployerRoleGuid)] : []),
        ],
        tags: this.tags,
      },
      { ...this.child, providers: { github: ciGithub } },
    );
  }

  /** The tenant stacks and their tenants' namespaces, in the order of the tenants. */
  private tenantStacks(): { stack: string; namespaces: string[] }[] {
    const stacks = new Map<string, string[]>();
    for (const tenant of this.args.tenants) {
      if (tenant.stack === undefined) continue;
      stacks.set(tenant.stack, [...(stacks.get(tenant.stack) ?? []), tenant.namespace]);
    }
    return [...stacks].map(([stack, namespaces]) => ({ stack, namespaces }));
  }

  /** Each tenant stack's own deployer (TenantDeployers): federated with its GitHub environment, rights in its namespaces only. */
  private tenantStackDeployers(): TenantDeployers | undefined {
    const { args, name } = this;
    const stacks = this.tenantStacks();
    if (!args.ci || !this.ci || stacks.length === 0) return undefined;
    return new TenantDeployers(
      `${name}-tenant-deployer`,
      {
        repository: args.ci.repository,
        production: args.production,
        reviewers: args.ci.reviewers,
        environment: args.environment,
        resourceGroupName: this.resourceGroup.name,
        location: args.location,
        tags: this.tags,
        resourceGroupId: this.resourceGroup.id,
        clusterId: this.cluster.id,
        stacks,
      },
      // The CI identities' GitHub provider: the infrastructure repository's owner.
      { ...this.child, providers: { github: this.ciGithub! } },
    );
  }

  /** HashiCorp Vault in HA, auto-unsealed with a Key Vault key; per application access for each tenant. */
  private hashiCorpVault(): HashiCorpVault | undefined {
    const { args } = this;
    if (!args.vault) return undefined;
    return new HashiCorpVault(
      `${this.name}-vault`,
      {
        cluster: this.cluster,
        ...args.vault,
        keyVault: this.keyVault,
        bootstrapSecretsRole: this.vaultBootstrapRole,
        resourceGroupName: this.resourceGroup.name,
        location: args.location,
        tenantId: this.keyVault.tenantId,
        // Per application; every service account of a namespace only where config says so.
        tenants: args.tenants.map((t) => ({ name: t.name, namespace: t.namespace, ...t.vault, adminGroups: t.groups.admins })),
        protect: args.protect,
        tags: this.tags,
      },
      this.child,
    );
  }

  private sealedSecretsController(): SealedSecrets | undefined {
    const { args } = this;
    if (!args.sealedSecrets) return undefined;
    return new SealedSecrets(
      `${this.name}-sealed-secrets`,
      { cluster: this.cluster, keyVault: this.keyVault, ...args.sealedSecrets, protect: args.protect },
      this.child,
    );
  }

  /** What the application routing add-on's identity may do: its DNS zones, the tenants' certificates one by one. */
  private ingressAccess(): AppRoutingAccess | undefined {
    const { args } = this;
    const identity = this.cluster.appRoutingIdentity;
    if (!args.ingress || !identity) return undefined;
    return new AppRoutingAccess(
      `${this.name}-app-routing`,
      {
        principalId: identity.objectId,
        dnsZoneIds: args.ingress.dnsZoneIds,
        keyVaultId: this.keyVault.id,
        certificates: args.tenants.flatMap((t) => t.ingress?.certificates ?? []),
      },
      this.child,
    );
  }

  /** Managed Prometheus: Flux scraped, alert rules for Flux and Vault. */
  private clusterPrometheus(): ClusterPrometheus | undefined {
    const monitoring = this.args.monitoring;
    const workspaceId = this.monitoring?.azureMonitorWorkspaceId;
    if (!monitoring?.prometheus || !workspaceId) return undefined;
    const fluxNamespace = DEFAULT_FLUX_NAMESPACE;
    return new ClusterPrometheus(
      `${this.name}-prometheus`,
      {
        resourceGroupName: this.resourceGroup.name,
        location: this.args.location,
        tags: this.tags,
        azureMonitorWorkspaceId: workspaceId,
        cluster: this.cluster,
        fluxNamespace,
        // Vault in HashiCorpVault's default namespace, which the platform keeps; its StatefulSet is the chart's fullname.
        alerts: { fluxNamespace, vault: this.vault ? { namespace: "vault", statefulSet: chartFullname(VAULT_RELEASE_NAME) } : undefined },
        actionGroupIds: monitoring.alertActionGroupIds,
      },
      this.child,
    );
  }
}
