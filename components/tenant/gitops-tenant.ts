/**
 * GitOpsTenant: everything one tenant gets, in one component. Its namespace with RBAC, quota and
 * network policies (Tenant), its SOPS key and decryption identity, its own Key Vault and
 * identities, its registry, its Git repository and other Flux sources, and its own alerts. It
 * takes what it asks for (TenantSpec) and what the platform offers every tenant (TenantPlatform),
 * so that the platform stack (GitOpsPlatform, tenants inline) and a tenant stack build the same
 * resources with the same names.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as github from "@pulumi/github";
import type * as k8s from "@pulumi/kubernetes";
import type { DiagnosticsArgs } from "../azure/common";
import { ContainerRegistry, RegistrySku } from "../azure/container-registry";
import type { RegistryPusher } from "../azure/container-registry-push";
import type { EncryptOnlyRole } from "../azure/encrypt-only-role";
import type { KeyVault, KeyVaultSettingsArgs } from "../azure/key-vault";
import type { SecretsWriterRole } from "../azure/secrets-writer-role";
import { TENANT_TAG } from "../kubernetes/labels";
import type { AddonPeer, PlatformServiceEndpoint } from "../kubernetes/network-peers";
import { FluxNotifications, NotificationTarget } from "../kubernetes/notifications";
import { GitSource } from "./git-source";
import { TenantIdentities, TenantIdentitySpec } from "./identities";
import { RECONCILER_SERVICE_ACCOUNT, Tenant } from "./namespace";
import type { TenantIngressClaims } from "./ingress-policy";
import type { EgressAllowance, LimitsArgs, PolicyRule, QuotaArgs, ServiceExposure } from "./namespace-policy";
import { FluxSources, FluxSourcesArgs } from "./sources";
import { TenantSops } from "./sops";

/** What one tenant asks for: the component form of one entry of the stack's `tenants`. */
export interface TenantSpec {
  /** A DNS-1123 label; names the tenant's resources (`<platform>-<name>-...`). */
  name: string;
  namespace: string;
  /** Entra group object ids: `admins` get `admin` in the namespace, `viewers` `view`. */
  groups: { admins: string[]; viewers: string[] };
  quota: QuotaArgs;
  limits: LimitsArgs;
  /** Service forms beyond ClusterIP the tenant may publish (LoadBalancer, NodePort, externalIPs). */
  services: ServiceExposure;
  /** More egress destinations than the default-deny leaves (IPv4 blocks and ports). Default none. */
  egress?: EgressAllowance[];
  /** A Flagger load tester in the namespace, serving only this namespace's Canaries (when the platform runs Flagger). */
  loadTester: boolean;
  /** More API the tenant's Git content may manage in its namespace. */
  extraApiAccess: PolicyRule[];
  /** The tenant's Git repository, reconciled as the tenant; undefined: none. */
  git?: { repository: string; branch: string; path: string; interval: string; create: boolean };
  /** Flux pushes image updates to `git` on this branch; undefined: no image automation. */
  imageAutomation?: { pushBranch: string; serviceAccounts: string[] };
  helmReleases: NonNullable<FluxSourcesArgs["helmReleases"]>;
  ociRepositories: NonNullable<FluxSourcesArgs["ociRepositories"]>;
  buckets: NonNullable<FluxSourcesArgs["buckets"]>;
  /** Managed identities federated with the tenant's service accounts. */
  identities: TenantIdentitySpec[];
  /** A Key Vault of the tenant's own. */
  keyVault: boolean;
  /** GitHub workflows that may push to the tenant's registry (when the platform gives it one). */
  registryPushers: RegistryPusher[];
  /** Flux alerts for the tenant's namespace, to webhooks of its own (the addresses come apart, as secrets). */
  notifications: Omit<NotificationTarget, "address">[];
  /** The hosts and platform Key Vault certificates the tenant's Ingresses may name; undefined: none. */
  ingress?: TenantIngressClaims;
}

/**
 * What both sides of a tenant need of the cluster: its provider and the facts the Flux objects
 * carry. A tenant stack has only this (from the platform's contract, stacks/contract.ts).
 */
export interface TenantCluster {
  environment: string;
  /** Kubernetes provider of the cluster; the ambient default is never used. */
  provider: k8s.Provider;
  /** The cluster's name as the deploy keys' titles show it. */
  clusterName: string;
  /** Kustomizations decrypt SOPS with the tenant's own decryption account. */
  sops: boolean;
  /** What every Flux object of a tenant waits for: the Flux CRDs and controllers (none across stacks: the platform is deployed first). */
  fluxReady: pulumi.Resource[];
  /** The GitHub provider for deploy keys; undefined: the ambient one. */
  githubProvider?: github.Provider;
}

/** What the platform offers every tenant: the cluster, where Azure resources go, the shared add-ons. */
export interface TenantPlatform extends TenantCluster {
  /** Where the tenant's Azure resources go, and the issuer their federated credentials trust. */
  azure: { resourceGroupName: pulumi.Input<string>; location: pulumi.Input<string>; oidcIssuerUrl: pulumi.Input<string> };
  /** Tags of every Azure resource of the platform. */
  tags: Record<string, string>;
  /** Protect the tenant's stateful resources (keys, vault, registry). */
  protect: boolean;
  /** The platform vault the tenants' SOPS keys go in, and the encrypt-only role; needed when `sops`. */
  sopsKeys?: { keyVault: KeyVault; encryptOnly: EncryptOnlyRole };
  /** The settings and firewall of a tenant's own Key Vault: the platform vault's. */
  keyVault: KeyVaultSettingsArgs & { allowedSubnetIds?: pulumi.Input<string>[]; diagnostics?: DiagnosticsArgs };
  /** The write-only secrets role of the tenant's admins on their own vault; needed when a tenant has one. */
  secretsWriter?: SecretsWriterRole;
  /** A container registry per tenant, which the kubelet pulls from; undefined: none. */
  registry?: { sku: RegistrySku; kubeletObjectId: pulumi.Input<string>; diagnostics?: DiagnosticsArgs };
  /** HashiCorp Vault's server pods, which tenant pods may reach; undefined: no Vault. */
  vaultEgress?: PlatformServiceEndpoint;
  /** Add-ons whose kinds the tenant's reconciler may manage, and whose pods connect to the tenant's. */
  addons: {
    sealedSecrets: boolean;
    canaries: boolean;
    ingressFrom: AddonPeer[];
    /** Flagger's controller, the only client of a tenant's load tester; undefined: no Flagger. */
    loadTesterClient?: AddonPeer;
    /** The application routing add-on runs; certificates come from this Key Vault. Undefined: no ingress controller. */
    ingress?: { keyVaultName: pulumi.Input<string> };
  };
}

/**
 * Which part of the tenant to build. "whole": everything (the tenant inline in the platform
 * stack). With tenant stacks, the platform stack builds the "platform" side (what needs
 * cluster-scoped or Azure rights: namespace, RBAC, quota, policies, SOPS key and identity, Azure
 * identities, own vault, registry) and the tenant stack the "tenant" side (Git repository and
 * deploy key, Flux sources, alerts: objects in the tenant's namespace and repositories only).
 */
export type TenantSide = "whole" | "platform" | "tenant";

export type GitOpsTenantArgs = {
  tenant: TenantSpec;
  /** Webhook address of each of `tenant.notifications`, by name; pass secrets. */
  notificationAddresses?: Record<string, pulumi.Input<string>>;
} & ({ side?: "whole" | "platform"; platform: TenantPlatform } | { side: "tenant"; platform: TenantCluster });

/** What other components take of a tenant. */
export interface TenantRef {
  name: string;
  namespace: string;
  /** The one dependency that says the tenant's namespace and its RBAC exist. */
  ready: pulumi.Resource[];
}

export class GitOpsTenant extends pulumi.ComponentResource {
  /** The namespace, its RBAC and its policies; undefined on the tenant side (the platform stack has them). */
  readonly tenant?: Tenant;
  readonly git?: GitSource;
  readonly sources?: FluxSources;
  readonly notifications?: FluxNotifications;
  /** The tenant's SOPS key, identity and `.sops.yaml`, when the platform offers SOPS. */
  readonly sops?: TenantSops;
  /** The tenant's own Key Vault and Azure identities, when it asks for either. */
  readonly azure?: TenantIdentities;
  /** The tenant's own container registry (and push identity), when the platform offers one. */
  readonly registry?: ContainerRegistry;
  readonly ref: TenantRef;

  constructor(name: string, args: GitOpsTenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:index:GitOpsTenant", name, {}, opts);
    const { tenant } = args;
    // Before this component existed, the namespace component was the platform's child: the alias
    // keeps every tenant resource's state (keys, vaults and registries among them) across that move.
    // By URN, not the Resource: the SDK resolves every alias as an Output, and the value of one
    // holding a Resource is walked whole (output.js, `containsUnknowns`) through every resource
    // reachable from it: the platform component reaches every tenant before this one (quadratic).
    const formerParent = { parent: (opts?.parent ?? pulumi.rootStackResource)?.urn };
    if (args.side === "tenant") {
      // `pulumi state move` of a tenant's Flux side out of the platform stack puts each moved
      // component under the tenant stack's root (state_move.go: a parent left behind becomes the
      // root stack); the alias matches that URN.
      this.ref = { name: tenant.name, namespace: tenant.namespace, ready: [] };
      this.buildFluxSide(name, args.tenant, args.platform, RECONCILER_SERVICE_ACCOUNT, [], { parent: this, aliases: [{ parent: pulumi.rootStackResource }] }, args.notificationAddresses);
      this.registerOutputs({});
      return;
    }
    const platform = args.platform;
    const provider = platform.provider;
    const created = new Tenant(
      name,
      {
        provider,
        name: tenant.name,
        namespace: tenant.namespace,
        environment: platform.environment,
        groups: tenant.groups,
        quota: tenant.quota,
        services: tenant.services,
        limits: tenant.limits,
        vaultEgress: platform.vaultEgress,
        egressAllowList: tenant.egress,
        reconcilerAccess: {
          extraRules: tenant.extraApiAccess,
          sealedSecrets: platform.addons.sealedSecrets,
          imageAutomation: tenant.imageAutomation !== undefined,
          canaries: platform.addons.canaries,
        },
        allowIngressFromAddons: platform.addons.ingressFrom.length > 0 ? platform.addons.ingressFrom : undefined,
        flaggerLoadTester: tenant.loadTester && platform.addons.loadTesterClient ? { flagger: platform.addons.loadTesterClient } : undefined,
        ingress: platform.addons.ingress && { claims: tenant.ingress ?? { hosts: [], certificates: [] }, keyVaultName: platform.addons.ingress.keyVaultName },
      },
      { parent: this, aliases: [formerParent] },
    );
    this.tenant = created;
    const child = { parent: created };

    this.sops =
      platform.sops && platform.sopsKeys
        ? new TenantSops(
            `${name}-sops`,
            {
              provider,
              tenant: tenant.name,
              namespace: tenant.namespace,
              keyVault: platform.sopsKeys.keyVault,
              cluster: platform.azure,
              adminGroups: tenant.groups.admins,
              encryptOnly: platform.sopsKeys.encryptOnly,
              namespaceReady: created.ready,
              tags: platform.tags,
              protect: platform.protect,
            },
            child,
          )
        : undefined;
    this.registry = tenantRegistry(name, tenant, platform, created);
    this.azure =
      tenant.keyVault || tenant.identities.length > 0
        ? new TenantIdentities(
            `${name}-azure`,
            {
              provider,
              tenant: tenant.name,
              namespace: tenant.namespace,
              environment: platform.environment,
              cluster: platform.azure,
              keyVault: tenant.keyVault ? { ...platform.keyVault, protect: platform.protect } : undefined,
              adminGroups: tenant.groups.admins,
              secretsWriter: platform.secretsWriter,
              identities: tenant.identities,
              registryId: this.registry?.id,
              sourceServiceAccounts: azureSourceAccounts(tenant),
              imageServiceAccounts: tenant.imageAutomation?.serviceAccounts ?? [],
              namespaceReady: created.ready,
              tags: platform.tags,
            },
            child,
          )
        : undefined;
    this.ref = { name: tenant.name, namespace: tenant.namespace, ready: created.ready };
    if (args.side !== "platform") {
      // Tenant objects need the Flux CRDs and the tenant's own RBAC (and, to decrypt, its
      // decryption account; to pull with an identity, its accounts and source-controller's token Role); nothing else.
      const ready = [...created.ready, ...(this.sops ? [this.sops.account] : []), ...(this.azure ? this.azure.ready : [])];
      this.buildFluxSide(name, tenant, platform, created.serviceAccountName, ready, child, args.notificationAddresses);
    }
    this.registerOutputs({});
  }

  /** The tenant side: its Git repository, other Flux sources and alerts, all in its namespace. */
  private buildFluxSide(
    name: string,
    tenant: TenantSpec,
    cluster: TenantCluster,
    serviceAccountName: pulumi.Input<string>,
    ready: pulumi.Resource[],
    opts: pulumi.ComponentResourceOptions,
    addresses: Record<string, pulumi.Input<string>> | undefined,
  ): void {
    const self = this as { -readonly [K in "git" | "sources" | "notifications"]: GitOpsTenant[K] };
    const provider = cluster.provider;
    const fluxReady = [...cluster.fluxReady, ...ready];
    // The namespace as a plain string: ordering comes from fluxReady (which holds the Namespace),
    // so GitHub-side resources such as the deploy key need not wait for the cluster.
    const common = { provider, namespace: tenant.namespace, serviceAccountName, sops: cluster.sops, fluxReady };
    if (tenant.git) {
      self.git = new GitSource(
        `${name}-git`,
        {
          ...common,
          ...tenant.git,
          imageAutomation: tenant.imageAutomation ? { pushBranch: tenant.imageAutomation.pushBranch } : undefined,
          clusterName: cluster.clusterName,
        },
        { ...opts, ...(cluster.githubProvider ? { providers: { github: cluster.githubProvider } } : {}) },
      );
    }
    if (tenant.helmReleases.length + tenant.ociRepositories.length + tenant.buckets.length > 0) {
      self.sources = new FluxSources(
        `${name}-sources`,
        { ...common, helmReleases: tenant.helmReleases, ociRepositories: tenant.ociRepositories, buckets: tenant.buckets },
        opts,
      );
    }
    // With multitenancy, notification-controller only sees events from an Alert's own namespace.
    // The tenant's own targets only: its admins and its Git content can read these Secrets.
    const notifications = notificationTargets(tenant, addresses);
    if (notifications.length > 0) {
      self.notifications = new FluxNotifications(`${name}-alerts`, { provider, namespace: tenant.namespace, notifications, fluxReady }, opts);
    }
  }
}

/** Accounts that Flux sources with `provider: azure` name: source-controller may create their tokens. */
function azureSourceAccounts(tenant: TenantSpec): string[] {
  return [...tenant.ociRepositories, ...tenant.buckets]
    .filter((source) => source.provider === "azure" && source.serviceAccountName !== undefined)
    .map((source) => source.serviceAccountName!);
}

/**
 * A tenant's own notification targets, never the platform's: the webhook Secret lands in the
 * tenant's namespace, where the tenant's admins and the Git content reconciled as the tenant can
 * read it.
 */
function notificationTargets(tenant: TenantSpec, addresses: Record<string, pulumi.Input<string>> | undefined): NotificationTarget[] {
  return tenant.notifications.map((n) => {
    const address = addresses?.[n.name];
    if (address === undefined) throw new pulumi.RunError(`GitOpsTenant: no webhook address for tenant ${tenant.name}'s notification "${n.name}"`);
    return { ...n, address };
  });
}

/**
 * The tenant's own registry: its CI identities push there and nowhere else, the cluster's
 * kubelet pulls from it, so Pods name `<login server>/<image>` without a pull secret. Nothing in
 * this `pulumi up` pulls from the registry (it is new and empty, and kubelet retries a refused
 * pull with back-off), so no propagation wait.
 */
function tenantRegistry(name: string, tenant: TenantSpec, platform: TenantPlatform, parent: Tenant): ContainerRegistry | undefined {
  if (!platform.registry) return undefined;
  const registry = new ContainerRegistry(
    `${name}-acr`,
    {
      resourceGroupName: platform.azure.resourceGroupName,
      location: platform.azure.location,
      purpose: tenant.name,
      environment: platform.environment,
      sku: platform.registry.sku,
      pushers: tenant.registryPushers,
      tags: { ...platform.tags, [TENANT_TAG]: tenant.name },
      diagnostics: platform.registry.diagnostics,
      protect: platform.protect,
    },
    { parent },
  );
  registry.grantPull("kubelet", platform.registry.kubeletObjectId);
  return registry;
}
