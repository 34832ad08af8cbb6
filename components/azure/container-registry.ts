/**
 * An Azure Container Registry that only Entra identities reach (no admin user, no anonymous pull),
 * with an optional push identity for GitHub Actions workflows (OIDC, no secret) and AcrPull grants.
 *
 * One registry per trust boundary. The platform gives each tenant a registry of its own rather
 * than sharing one with a repository prefix per tenant: ACR's repository-scoped Entra permissions
 * (the "RBAC Registry + ABAC Repository Permissions" mode, `roleAssignmentMode:
 * AbacRepositoryPermissions`, GA since ARM API 2025-11-01) cannot be set through azure-native
 * 3.x's Registry, which speaks API 2023-01-01-preview (no `roleAssignmentMode`); and in the
 * registry-wide mode AcrPush on a shared registry lets every tenant's CI overwrite every other
 * tenant's images. Repository-scoped tokens would be secrets. See docs/tenants.md, "The platform registry".
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as random from "@pulumi/random";
import { GITHUB_ACTIONS_ISSUER } from "./ci-identity";
import { AzureComponentArgs, diagnosticSetting, resourceLock } from "./common";
import { containerRegistryName, pushCredentialName, RegistryPusher, registryPushSubject } from "./container-registry-push";
import { assignRole } from "./roles";
import { MAX_FEDERATED_CREDENTIALS, WorkloadIdentity } from "./workload-identity";

export type RegistrySku = "Basic" | "Standard" | "Premium";

/** The registry's secure-by-default baseline: what an unset ContainerRegistryArgs field means. */
export const CONTAINER_REGISTRY_DEFAULTS: Readonly<{ sku: RegistrySku }> = {
  // Standard: 100 GiB included and the throughput ACR calls enough for most production use;
  // Basic (10 GiB) suits dev, Premium is only needed for private endpoints, network rules,
  // geo-replication or retention of untagged manifests (learn.microsoft.com, "Azure Container
  // Registry SKUs").
  sku: "Standard",
};

export interface ContainerRegistryArgs extends AzureComponentArgs {
  /** What the registry is for, such as the tenant's name: part of its name `acr<purpose><environment><suffix>`. */
  purpose: string;
  /** Environment name, part of the registry's name. */
  environment: string;
  /** Default CONTAINER_REGISTRY_DEFAULTS.sku ("Standard"). */
  sku?: RegistrySku;
  /**
   * GitHub Actions workflows that may push: one managed identity for all of them, federated with
   * each one's exact subject (never `pull_request`), with AcrPush on this registry and nothing
   * else. At most 20 (Azure's limit of federated credentials per identity). Default none.
   */
  pushers?: RegistryPusher[];
  /** Protect the registry (it holds the images) from deletion. Default false. */
  protect?: boolean;
}

export class ContainerRegistry extends pulumi.ComponentResource {
  readonly registry: containerregistry.Registry;
  /** The registry's name, `acr<purpose><environment><suffix>`. */
  readonly name: pulumi.Output<string>;
  /** ARM resource id, the scope of its role assignments. */
  readonly id: pulumi.Output<string>;
  /** `<name>.azurecr.io`: where images are pushed and what Pods name. */
  readonly loginServer: pulumi.Output<string>;
  /** The identity the pushers' workflows log in as (AZURE_CLIENT_ID), when there are pushers. */
  readonly pushIdentity?: WorkloadIdentity;
  private readonly pullGrants = new Map<string, authorization.RoleAssignment>();
  private readonly componentName: string;

  constructor(name: string, args: ContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:ContainerRegistry", name, {}, opts);
    this.componentName = name;
    const pushers = args.pushers ?? [];
    if (pushers.length > MAX_FEDERATED_CREDENTIALS) {
      throw new pulumi.RunError(`ContainerRegistry ${name}: ${pushers.length} pushers; Azure allows at most ${MAX_FEDERATED_CREDENTIALS} federated credentials per identity`);
    }
    const subjects = pushers.map((pusher) => {
      try {
        return registryPushSubject(pusher);
      } catch (error) {
        throw new pulumi.RunError(`ContainerRegistry ${name}: ${(error as Error).message}`);
      }
    });
    if (new Set(subjects).size !== subjects.length) throw new pulumi.RunError(`ContainerRegistry ${name}: a pusher is listed twice`);

    // A random suffix makes the global name unique; being a resource, it stays stable.
    const suffix = new random.RandomString(`${name}-suffix`, { length: 6, special: false, upper: false }, { parent: this });
    this.registry = new containerregistry.Registry(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        registryName: suffix.result.apply((s) => containerRegistryName(args.purpose, args.environment, s)),
        sku: { name: args.sku ?? CONTAINER_REGISTRY_DEFAULTS.sku },
        // Entra identities only: the admin user is one shared username and password, anonymous
        // pull lets anyone on the internet read every image. Both default to false in ARM; they
        // are written out so the policy and a reader see them, and a refresh shows a change made
        // by hand in the portal as a diff.
        adminUserEnabled: false,
        anonymousPullEnabled: false,
        // The public endpoint, behind Entra authentication: GitHub-hosted runners push from
        // addresses no firewall can list, and AKS nodes pull through their outbound address. A
        // private endpoint (Premium) would need a private DNS zone and runners inside the VNet;
        // see docs/tenants.md, "The platform registry".
        publicNetworkAccess: "Enabled",
        tags: args.tags,
      },
      { parent: this, protect: args.protect },
    );
    resourceLock(name, this.registry, args.lock, { parent: this });
    // ACR's logs are ContainerRegistryRepositoryEvents (push, pull, delete) and ContainerRegistryLoginEvents.
    diagnosticSetting(name, this.registry, args.diagnostics, { parent: this });
    this.name = this.registry.name;
    this.id = this.registry.id;
    this.loginServer = this.registry.loginServer;

    if (pushers.length > 0) {
      // Nothing in this `pulumi up` pushes: the tenant's workflows use the grant later, so no
      // propagation wait (a push in the first minutes after it may get 401 and is retried).
      this.pushIdentity = new WorkloadIdentity(
        `${name}-push`,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          tags: args.tags,
          externalCredentials: subjects.map((subject) => ({ name: pushCredentialName(subject), issuer: GITHUB_ACTIONS_ISSUER, subject })),
          roles: [{ role: "AcrPush", scope: this.registry.id }],
        },
        { parent: this },
      );
    }
    this.registerOutputs({ name: this.name, id: this.id, loginServer: this.loginServer });
  }

  /**
   * AcrPull on this registry for a service principal (a managed identity: the cluster's kubelet,
   * a Flux source's workload identity), named `<registry>-acrpull-<key>`. Pull only: AcrPull
   * reads every repository of the registry and writes nothing. The grant is not followed by a
   * propagation wait: its users (kubelet, source-controller) retry a refused pull, so the caller
   * adds one only if something in the same `pulumi up` pulls.
   */
  grantPull(key: string, principalId: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): authorization.RoleAssignment {
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(key)) throw new pulumi.RunError(`ContainerRegistry ${this.componentName}: pull grant key "${key}" must be lowercase letters, digits and '-'`);
    if (this.pullGrants.has(key)) throw new pulumi.RunError(`ContainerRegistry ${this.componentName}: pull grant "${key}" is given twice`);
    const grant = assignRole(
      `${this.componentName}-acrpull-${key}`,
      { role: "AcrPull", scope: this.registry.id, principalId, principalType: "ServicePrincipal" },
      { parent: this, ...opts },
    );
    this.pullGrants.set(key, grant);
    return grant;
  }
}
