/**
 * An AKS cluster that is locked down by default: Entra ID only (local accounts off, Azure RBAC),
 * OIDC issuer and workload identity on, autoscaled zonal pools, a managed upgrade schedule, and
 * a Kubernetes provider that logs in through kubelogin.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import {
  adoptsInlinePool,
  agentPoolId,
  AksClusterSettingsArgs,
  apiServerAccessProfile,
  AUTOSCALED_COUNT,
  CLUSTER_CREATE_ONLY_INPUTS,
  channelOwnedPoolProperties,
  channelOwnedProperties,
  DeployerPrincipalType,
  deployerPrincipalType,
  dnsPrefixFor,
  MAINTENANCE_CONFIG_NAMES,
  maintenanceWindow,
  networkProfile,
  NodeOsSku,
  PoolContext,
  resolveAksClusterSettings,
  systemAgentPoolProfile,
  systemPoolProfile,
  userPoolProfile,
} from "./aks-profiles";
import type { ClusterReference } from "../cluster";
import { AzureComponentArgs, diagnosticSetting, resourceLock } from "./common";
import { userKubeconfig } from "./kubeconfig";
import { propagationWait } from "./propagation";
import { assignRole, clientConfig, roleDefinitionId } from "./roles";
import { KUBERNETES_PROVIDER_SETTINGS } from "../kubernetes/provider-settings";

/**
 * Everything but the resource group and region is optional: an unset field takes its value from
 * AKS_CLUSTER_DEFAULTS (each field's doc says which), so `new AksCluster("x", { resourceGroupName,
 * location })` is a complete, locked-down cluster.
 */
export interface AksClusterArgs extends AzureComponentArgs, AksClusterSettingsArgs {
  /** Resource group of the cluster and its control-plane identity. */
  resourceGroupName: pulumi.Input<string>;
  /** Azure tags on the identity, the cluster and its pools. Default none. */
  tags?: pulumi.Input<Record<string, string>>;
  /**
   * Protect the cluster and its node pools from deletion (on in prod). The identity, the
   * maintenance configurations and the role assignment stay unprotected. Default false.
   */
  protect?: boolean;
  /** Node OS image of every pool. Default "AzureLinux" (small, container-optimized, by Microsoft). */
  nodeOsSku?: NodeOsSku;
  /**
   * What kind of principal runs Pulumi, for its AKS RBAC Cluster Admin assignment (see
   * `deployerClusterAdmin`). Default: "User" when azure-native reports the Azure CLI's
   * client id (a person after `az login`), else "ServicePrincipal" (CI, managed identity).
   */
  deployerPrincipalType?: DeployerPrincipalType;
  /**
   * ARM id of the subnet every pool's nodes go in (a platform VNet), or undefined for the VNet AKS
   * manages itself. The control-plane identity gets "Network Contributor" on it before the cluster
   * is created. Fixed at creation: AKS cannot move an existing pool to another subnet.
   */
  nodeSubnetId?: pulumi.Input<string>;
  /** How long a role assignment made here takes to propagate (a Go duration). Default DEFAULT_PROPAGATION_WAIT. */
  propagationWait?: string;
  /**
   * The managed Prometheus metrics addon (`azureMonitorProfile.metrics.enabled`): true turns it on,
   * false off, both in place (a cluster update, as `az aks update --enable-azure-monitor-metrics`).
   * It sends nowhere until a data collection rule is associated with the cluster (ClusterPrometheus).
   * Default: unset, the cluster's setting is left as it is.
   */
  managedPrometheus?: boolean;
  /**
   * The application routing add-on (`ingressProfile.webAppRouting`): managed NGINX in
   * `app-routing-system`, IngressClass `webapprouting.kubernetes.azure.com`, an external load
   * balancer, and external-dns for `dnsZoneIds` (ARM ids of Azure DNS zones; the add-on's
   * identity, `appRoutingIdentity`, needs DNS Zone Contributor on each). Default: unset, no
   * ingressProfile is sent.
   */
  appRouting?: { dnsZoneIds: pulumi.Input<string>[] };
}

/** The cluster's `ingressProfile` for `appRouting`, or nothing when unset. */
export function appRoutingProfile(appRouting: AksClusterArgs["appRouting"]) {
  if (appRouting === undefined) return {};
  return { ingressProfile: { webAppRouting: { enabled: true, dnsZoneResourceIds: appRouting.dnsZoneIds, nginx: { defaultIngressControllerType: "External" } } } };
}

/** The cluster's `azureMonitorProfile` for `managedPrometheus`, or nothing when unset. */
export function azureMonitorProfile(managedPrometheus: boolean | undefined) {
  return managedPrometheus === undefined ? {} : { azureMonitorProfile: { metrics: { enabled: managedPrometheus } } };
}

/** The kubelet's managed identity (in the node resource group); pulls images, for example. */
export interface KubeletIdentity {
  clientId: string;
  objectId: string;
  /** ARM id of the user-assigned identity. */
  resourceId: string;
}

/** The AKS cluster, its control-plane identity, node pools, maintenance schedule and Kubernetes provider. */
export class AksCluster extends pulumi.ComponentResource implements ClusterReference {
  readonly cluster: containerservice.ManagedCluster;
  readonly controlPlaneIdentity: managedidentity.UserAssignedIdentity;
  /**
   * The system pool, as the agent-pool API manages it once the cluster exists. An Output because it
   * is registered once the cluster's ID is known (see the constructor); in the first preview of a
   * new stack it is not registered at all.
   */
  readonly systemPool: pulumi.Output<containerservice.AgentPool>;
  readonly userPools: containerservice.AgentPool[];
  /**
   * What anything with pods must wait for. With user pools the system pool is tainted
   * CriticalAddonsOnly, so ordinary pods (Flux, Vault, jobs) only schedule once a user pool exists.
   */
  readonly workloadNodesReady: pulumi.Resource[];
  /** ClusterReference's readiness: the same list as workloadNodesReady. */
  readonly ready: pulumi.Resource[];
  readonly maintenanceConfigurations: containerservice.MaintenanceConfiguration[];
  /** AKS RBAC Cluster Admin for the principal running Pulumi, when `deployerClusterAdmin`. */
  readonly deployerRoleAssignment?: authorization.RoleAssignment;
  /** "Network Contributor" on `nodeSubnetId` for the control-plane identity, when there is one. */
  readonly subnetRoleAssignment?: authorization.RoleAssignment;

  /** The cluster's name in Azure (auto-named from the component name). */
  readonly name: pulumi.Output<string>;
  /** ARM resource id of the cluster: the scope for AKS RBAC role assignments. */
  readonly id: pulumi.Output<string>;
  readonly resourceGroupName: pulumi.Output<string>;
  /** Azure region of the cluster. */
  readonly location: pulumi.Output<string>;
  /** The OIDC issuer URL: the `issuer` of every workload identity federated credential. */
  readonly oidcIssuerUrl: pulumi.Output<string>;
  /** The kubelet identity AKS creates; grant it AcrPull to pull from a registry. */
  readonly kubeletIdentity: pulumi.Output<KubeletIdentity>;
  /** ARM id of the user-assigned control-plane identity. */
  readonly controlPlaneIdentityId: pulumi.Output<string>;
  /**
   * Secret. The user kubeconfig, converted for `kubeloginMode`; whoever uses it needs
   * kubelogin on the PATH and an AKS RBAC role.
   */
  readonly kubeconfig: pulumi.Output<string>;
  /** A Kubernetes provider for this cluster, built from `kubeconfig`. */
  readonly provider: k8s.Provider;
  /** The application routing add-on's managed identity (reads certificates, writes DNS records), when `appRouting`. */
  readonly appRoutingIdentity?: pulumi.Output<{ objectId: string; clientId: string }>;

  constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:AksCluster", name, {}, opts);
    const settings = resolveAksClusterSettings(args);
    const pools: PoolContext = {
      osSku: args.nodeOsSku ?? "AzureLinux",
      vnetSubnetID: args.nodeSubnetId,
      orchestratorVersion: settings.kubernetesVersion,
      upgrade: settings.poolUpgrade,
    };
    // What the autoscaler and the upgrade channel change on every pool, which Pulumi leaves alone.
    const poolIgnoreChanges = [...AUTOSCALED_COUNT, ...channelOwnedPoolProperties(settings)];
    const protect = args.protect ?? false;
    const client = clientConfig({ parent: this });

    this.controlPlaneIdentity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
      { parent: this },
    );

    // AKS manages node NICs and load balancers in a subnet it does not own with the control-plane
    // identity, which needs "Network Contributor" there before the cluster is created.
    let subnetReady: pulumi.Resource[] = [];
    if (args.nodeSubnetId !== undefined) {
      this.subnetRoleAssignment = assignRole(
        `${name}-network-contributor-subnet`,
        { principalId: this.controlPlaneIdentity.principalId, principalType: "ServicePrincipal", role: "Network Contributor", scope: args.nodeSubnetId },
        { parent: this },
      );
      subnetReady = [
        propagationWait(`${name}-subnet-grant-wait`, { networkContributor: this.subnetRoleAssignment }, { parent: this, duration: args.propagationWait }),
      ];
    }

    this.cluster = new containerservice.ManagedCluster(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
        dnsPrefix: dnsPrefixFor(name),
        kubernetesVersion: settings.kubernetesVersion,
        sku: { name: "Base", tier: settings.skuTier },
        identity: { type: "UserAssigned", userAssignedIdentities: [this.controlPlaneIdentity.id] },
        enableRBAC: true,
        aadProfile: {
          managed: true,
          enableAzureRBAC: true,
          tenantID: client.tenantId,
          adminGroupObjectIDs: settings.adminGroupObjectIds,
        },
        disableLocalAccounts: true,
        oidcIssuerProfile: { enabled: true },
        securityProfile: { workloadIdentity: { enabled: true } },
        autoUpgradeProfile: { upgradeChannel: settings.upgradeChannel, nodeOSUpgradeChannel: settings.nodeOsUpgradeChannel },
        // Create-only (CLUSTER_CREATE_ONLY_INPUTS): ARM creates a cluster only with a System pool
        // here; every later pool change goes through the AgentPool resources below.
        agentPoolProfiles: [systemPoolProfile(settings, pools)],
        networkProfile: networkProfile(settings.network),
        apiServerAccessProfile: apiServerAccessProfile(settings),
        addonProfiles: {
          azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "true", rotationPollInterval: "2m" } },
        },
        ...azureMonitorProfile(args.managedPrometheus),
        ...appRoutingProfile(args.appRouting),
      },
      { parent: this, protect, ignoreChanges: [...CLUSTER_CREATE_ONLY_INPUTS, ...channelOwnedProperties(settings)], dependsOn: subnetReady },
    );
    // A ReadOnly lock would refuse the writes AKS makes to run the cluster (scaling, upgrades,
    // credential rotation: learn.microsoft.com, "Best practices for cluster ... locks").
    if (args.lock === "ReadOnly") throw new pulumi.RunError(`AksCluster ${name}: a ReadOnly lock stops AKS from operating the cluster; use CanNotDelete`);
    resourceLock(name, this.cluster, args.lock, { parent: this });
    diagnosticSetting(name, this.cluster, args.diagnostics, { parent: this });

    const clusterRef = { resourceGroupName: args.resourceGroupName, resourceName: this.cluster.name };
    // One pool operation at a time: AKS refuses an agent pool operation while another is in
    // progress on the cluster ("OperationNotAllowed: Another agentpool operation ... is in
    // progress", learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/
    // operationnotallowed). So each pool waits for the one before it, the system pool comes last
    // (its CriticalAddonsOnly taint then lands once a first user pool has nodes), and deletions,
    // which run in reverse dependency order, are serial too.
    //
    // Every pool is deletedWith the cluster: when the cluster goes (destroy), its pools go with it
    // and the engine does not delete them first one by one (pulumi/pulumi step.go, DeleteStep).
    // For the system pool that is what makes a destroy possible at all: deleted first, as a
    // dependent of the cluster, it would be the cluster's last System pool, which AKS keeps
    // (learn.microsoft.com/azure/aks/use-system-pools).
    this.userPools = [];
    for (const pool of settings.userPools) {
      const previous = this.userPools.at(-1);
      this.userPools.push(
        new containerservice.AgentPool(
          `${name}-${pool.name}`,
          { ...clusterRef, ...userPoolProfile(pool, pools), tags: args.tags },
          {
            parent: this,
            protect,
            ignoreChanges: poolIgnoreChanges,
            dependsOn: previous ? [previous] : [],
            deletedWith: this.cluster,
          },
        ),
      );
    }

    // The system pool. ARM creates a cluster only with a System pool in agentPoolProfiles, so the
    // cluster is created with it inline; from then on that list is create-only (ignoreChanges) and
    // the pool is a containerservice.AgentPool like the user pools: its autoscaler bounds, taints
    // and tags change through the agent-pool API, one pool at a time, never through a cluster PUT.
    //
    // The AgentPool cannot create the pool, which exists: azure-native checks before it creates
    // and refuses ("cannot create already existing resource", provider.go Create). It adopts the
    // pool with the `import` option instead. What the engine does with it (pulumi/pulumi
    // pkg/resource/deploy/step_generator.go, step.go):
    // - `import` acts only while the resource is not in the state; once adopted it is inert. The
    //   adopted ID is the import ID itself (azure-native's Read answers with the ID it was asked
    //   for), so the option never looks like a new import.
    // - The engine reads the pool and, as its inputs differ from what AKS reports (AKS fills in
    //   max pods, OS disk, upgrade settings...), updates it to the program's inputs in the same
    //   run (import-then-update, pulumi/pulumi#19339, CLI 3.174.0; older CLIs fail the import with
    //   "inputs to import do not match the existing resource").
    // - `import` takes a plain ID, so the pool is registered inside an apply over the cluster's
    //   ID. In the first preview of a new stack that ID is unknown: the preview does not show the
    //   pool (Pulumi docs, "Accessing single outputs with Apply": a resource created inside apply
    //   appears in a preview only when the value is known), and `pulumi up` adopts the pool the
    //   cluster has just been created with. Once the cluster exists its ID is known in every
    //   preview (an update keeps the old ID, step.go UpdateStep.Apply), so the pool is always
    //   registered and never previewed as deleted.
    //
    // A new VM size or new zones need a new pool: `systemPool.name` names it, and a system pool of
    // any other name than "system" (the one every cluster is created with) is created, not adopted
    // (adoptsInlinePool). The old one, no longer registered, is deleted after the new one exists.
    //
    // What this does not fix (docs/getting-started.md, "Running it for real"): azure-native updates a cluster with
    // one PUT of all its inputs, and for an ignored input the engine sends the value in the state.
    // The inline list in the state therefore goes back to AKS with every later cluster update, and
    // AKS applies it to the pools (why kubernetes-sigs/cluster-api-provider-azure leaves
    // agentPoolProfiles out of its cluster PUTs once the pools exist, "otherwise changes ... would
    // overwrite changes made to the MachinePools": azure/services/managedclusters/spec.go).
    // `pulumi refresh` brings that list up to date from Azure (azure-native's Read merges what
    // changed in Azure into the inputs), so deploy with `pulumi up --refresh`.
    const systemPoolName = settings.systemPool.name;
    this.systemPool = this.cluster.id.apply(
      (clusterId) =>
        new containerservice.AgentPool(
          `${name}-${systemPoolName}`,
          { ...clusterRef, ...systemAgentPoolProfile(settings, pools), tags: args.tags },
          {
            parent: this,
            protect,
            ignoreChanges: poolIgnoreChanges,
            import: adoptsInlinePool(systemPoolName) ? agentPoolId(clusterId, systemPoolName) : undefined,
            dependsOn: this.userPools,
            deletedWith: this.cluster,
          },
        ),
    );

    this.workloadNodesReady = [...this.userPools];
    this.ready = this.workloadNodesReady;

    const window = settings.maintenanceWindow;
    this.maintenanceConfigurations = window
      ? MAINTENANCE_CONFIG_NAMES.map(
          (configName) =>
            new containerservice.MaintenanceConfiguration(
              `${name}-${configName}`,
              { ...clusterRef, configName, maintenanceWindow: maintenanceWindow(window) },
              { parent: this },
            ),
        )
      : [];

    // With local accounts off there is no admin kubeconfig to fall back on: the only way into the
    // cluster is an Entra ID token plus an AKS RBAC role. Without this grant the principal that
    // just created the cluster could not create anything in it (Flux, tenants, Vault).
    // That principal is a person locally and a service principal in CI, so its type is worked
    // out, not hard-coded. It cannot simply be left out: the SDK then sends "User" (the 2022-04-01
    // API's default, azure-rest-api-specs#21664), which ARM rejects for a service principal
    // with UnmatchedPrincipalType. Hence a RoleAssignment of its own rather than assignRole().
    // It is scoped to the resource group, which Azure RBAC for Kubernetes inherits down to the
    // cluster: so it can be made, and can propagate, while the cluster is still being created,
    // instead of adding its propagation wait to every deploy's critical path.
    let deployerReady: pulumi.Resource[] = [];
    if (settings.deployerClusterAdmin) {
      this.deployerRoleAssignment = new authorization.RoleAssignment(
        `${name}-deployer-admin`,
        {
          principalId: client.objectId,
          principalType: args.deployerPrincipalType ?? client.clientId.apply(deployerPrincipalType),
          roleDefinitionId: client.subscriptionId.apply((sub) => roleDefinitionId(sub, "Azure Kubernetes Service RBAC Cluster Admin")),
          scope: pulumi.interpolate`/subscriptions/${client.subscriptionId}/resourceGroups/${args.resourceGroupName}`,
        },
        { parent: this },
      );
      deployerReady = [
        propagationWait(`${name}-deployer-admin-wait`, { clusterAdmin: this.deployerRoleAssignment }, { parent: this, duration: args.propagationWait }),
      ];
    }

    this.name = this.cluster.name;
    this.id = this.cluster.id;
    this.resourceGroupName = pulumi.output(args.resourceGroupName);
    this.location = pulumi.output(args.location);
    this.controlPlaneIdentityId = this.controlPlaneIdentity.id;
    this.oidcIssuerUrl = this.cluster.oidcIssuerProfile.apply((p) => known(p?.issuerURL, `${name}: the OIDC issuer URL`));
    this.kubeletIdentity = this.cluster.identityProfile.apply((profile) => {
      const { clientId, objectId, resourceId } = profile?.kubeletidentity ?? {};
      const identity = clientId && objectId && resourceId ? { clientId, objectId, resourceId } : undefined;
      return known<KubeletIdentity>(identity, `${name}: the kubelet identity`);
    });

    if (args.appRouting) {
      this.appRoutingIdentity = this.cluster.ingressProfile.apply((profile) => {
        const { objectId, clientId } = profile?.webAppRouting?.identity ?? {};
        return known(objectId && clientId ? { objectId, clientId } : undefined, `${name}: the application routing identity`);
      });
    }

    const credentials = containerservice.listManagedClusterUserCredentialsOutput({ ...clusterRef, format: "exec" }, { parent: this });
    this.kubeconfig = pulumi.secret(
      credentials.kubeconfigs.apply((list) =>
        known(list?.[0]?.value ? userKubeconfig(list, settings.kubeloginMode) : undefined, `${name}: the user kubeconfig`),
      ),
    );
    // Anything deployed through the provider needs the deployer's cluster role, propagated, first:
    // the AKS authorizer refuses the token with 403 until then, and Pulumi does not retry that.
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, ...KUBERNETES_PROVIDER_SETTINGS }, { parent: this, dependsOn: deployerReady });

    this.registerOutputs({
      name: this.name,
      id: this.id,
      resourceGroupName: this.resourceGroupName,
      oidcIssuerUrl: this.oidcIssuerUrl,
      kubeletIdentity: this.kubeletIdentity,
      controlPlaneIdentityId: this.controlPlaneIdentityId,
      kubeconfig: this.kubeconfig,
    });
  }
}

/**
 * A value the provider reports once the cluster exists. In a preview of a cluster still to be
 * created it can be missing: then it is unknown, so that nothing downstream sees a wrong value.
 * Missing after an update is an error.
 */
export function known<T>(value: T | undefined, what: string): pulumi.Output<T> {
  if (value !== undefined && value !== null && value !== "") return pulumi.output(value) as pulumi.Output<T>;
  if (pulumi.runtime.isDryRun()) return pulumi.output(pulumi.unknown) as unknown as pulumi.Output<T>;
  throw new Error(`AksCluster ${what} is missing from what Azure returned`);
}
