/**
 * The deployer identity of each tenant stack (docs/layered-stacks.md, "Tenant deployers"): a
 * user-assigned managed identity federated with the tenant stack's own GitHub environment of the
 * infrastructure repository (`<environment>-<name>`, the stack's name), holding exactly what the
 * tenant side of GitOpsTenant creates, and only in its tenants' namespaces:
 *
 * - Kubernetes: one custom role (data actions only, no Azure control-plane action) assigned per
 *   namespace at `<clusterId>/namespaces/<namespace>`. Azure RBAC for Kubernetes checks a
 *   namespaced request against the scope `<clusterId>/namespaces/<ns>` and a cluster-scoped one
 *   against the cluster itself (kubeguard/guard authz/providers/azure/rbac/checkaccessreqhelper.go,
 *   getScope), so a namespace assignment never reaches a cluster-scoped kind or another namespace.
 *   The built-in "Azure Kubernetes Service RBAC Writer" is not used: it writes Pods and
 *   Deployments that may run as any service account of the namespace (the tenant's Flux
 *   reconciler among them) and reads its Secrets, so its holder could act as the reconciler.
 * - Flux's kinds are custom resources, which Azure RBAC names `managedClusters/customresources/
 *   <read|write|delete>` whatever their group (guard: `getCustomResourceOperationsMap`, since AKS
 *   API 2025-02-01, kubeguard/guard#409); the request carries the group and resource as the
 *   attributes `Microsoft.ContainerService/managedClusters/customResources:group` and `:kind`
 *   (guard `setAuthInfoResourceAttributes`), and the assignment's ABAC condition admits Flux's
 *   source, kustomize, helm and notification kinds only (learn.microsoft.com, "Use Microsoft Entra
 *   ID authorization for the Kubernetes API in AKS": custom resources through a custom role with an
 *   ABAC condition naming the groups or kinds).
 * - Azure: nothing else. The user kubeconfig comes in the platform's contract, so the deployer
 *   needs no `listClusterUserCredential/action` (a control-plane right on the cluster).
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as github from "@pulumi/github";
import { CustomRoleArgs, customRoleGuid, DataActionsRole, DataActionsRoleSpec } from "./custom-role";
import { GITHUB_ACTIONS_ISSUER, ciCredentialName, ciVariableNames, parseRepository } from "./ci-identity";
import { callerSubscriptionId } from "./roles";
import { MAX_NAMESPACE_TAGS, namespaceScope, namespaceTags, TENANT_DEPLOYER_DATA_ACTIONS, TENANT_STACK_TAG, tenantDeployerCondition } from "./tenant-deployer-rights";
import { WorkloadIdentity } from "./workload-identity";

export * from "./tenant-deployer-rights";

const TENANT_DEPLOYER_SPEC: DataActionsRoleSpec = {
  guidKey: "tenant-deployer",
  roleName: "gitops-platform tenant deployer",
  description: "A tenant stack's deployer: Secrets and (by its assignment's condition) Flux's kinds in the namespaces it is assigned on; nothing cluster-scoped, no Azure action.",
  dataActions: TENANT_DEPLOYER_DATA_ACTIONS,
};

/** The role's GUID in a resource group (known before anything exists: the CI deploy identity's condition names it). */
export function tenantDeployerRoleGuid(resourceGroupId: string): string {
  return customRoleGuid(TENANT_DEPLOYER_SPEC.guidKey, resourceGroupId);
}

/** The tenant-deployer role, assignable in the platform's resource group (a person's first `up` defines it: DataActionsRole). */
export class TenantDeployerRole extends DataActionsRole {
  constructor(name: string, args: CustomRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:TenantDeployerRole", name, TENANT_DEPLOYER_SPEC, args, opts);
  }
}

/** A tenant stack's GitHub environment in the infrastructure repository: the stack's name (`stage-payments`). */
export function tenantDeployerEnvironment(stack: string): string {
  return stack;
}

/** The one subject a tenant stack's deployer trusts: jobs in the stack's own environment. */
export function tenantDeployerSubject(repository: string, stack: string): string {
  const { owner, name } = parseRepository(repository);
  return `repo:${owner}/${name}:environment:${tenantDeployerEnvironment(stack)}`;
}

/** One tenant stack as its deployer needs it. */
export interface TenantDeployerStack {
  /** `<environment>-<name>`. */
  stack: string;
  /** Its tenants' namespaces. */
  namespaces: string[];
}

export interface TenantDeployersArgs {
  /** The infrastructure repository (`owner/name`), whose environments the deployers trust. */
  repository: string;
  /** Production: each tenant stack's environment waits for `reviewers` too. */
  production: boolean;
  reviewers: { users: number[]; teams: number[] };
  /** The one branch the environments admit. Default "main". */
  deployBranch?: string;
  environment: string;
  resourceGroupName: pulumi.Input<string>;
  location: string;
  tags?: Record<string, string>;
  resourceGroupId: pulumi.Input<string>;
  clusterId: pulumi.Input<string>;
  stacks: TenantDeployerStack[];
}

/** One tenant stack's deployer. */
export interface TenantDeployer {
  identity: WorkloadIdentity;
  environment: github.RepositoryEnvironment;
  assignments: authorization.RoleAssignment[];
  clientId: pulumi.Output<string>;
}

/**
 * The deployers of every tenant stack of the environment, their GitHub environments and
 * `AZURE_CLIENT_ID_DEPLOY_<STACK>` variables (the client id deploy.yml's tenant jobs log in with).
 * Needs the GitHub provider of the infrastructure repository's owner (`providers: { github }`).
 */
export class TenantDeployers extends pulumi.ComponentResource {
  readonly role: TenantDeployerRole;
  readonly deployers: Record<string, TenantDeployer>;

  constructor(name: string, args: TenantDeployersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:TenantDeployers", name, {}, opts);
    const repository = parseRepository(args.repository);
    const reviewers = [{ users: args.reviewers.users, teams: args.reviewers.teams }].filter((r) => r.users.length + r.teams.length > 0);
    if (args.production && reviewers.length === 0) {
      throw new pulumi.RunError(`TenantDeployers ${name}: production tenant stacks deploy after a reviewer approves: name at least one reviewer`);
    }
    this.role = new TenantDeployerRole(`${name}-role`, { resourceGroupId: args.resourceGroupId, environment: args.environment }, { parent: this });
    const subscriptionId = callerSubscriptionId({ parent: this });
    const condition = tenantDeployerCondition();
    this.deployers = {};
    for (const stack of args.stacks) {
      const prefix = `${name}-${stack.stack}`;
      const tagged = namespaceTags(stack.namespaces);
      if (!tagged) throw new pulumi.RunError(`TenantDeployers ${name}: tenant stack ${stack.stack} has more namespaces than ${MAX_NAMESPACE_TAGS} tags of its identity hold: split the stack`);
      const environment = new github.RepositoryEnvironment(
        `${prefix}-environment`,
        {
          repository: repository.name,
          environment: tenantDeployerEnvironment(stack.stack),
          reviewers: args.production ? reviewers : undefined,
          preventSelfReview: args.production ? true : undefined,
          deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
          canAdminsBypass: false,
        },
        { parent: this },
      );
      const branchRule = new github.RepositoryEnvironmentDeploymentPolicy(
        `${prefix}-branch`,
        { repository: repository.name, environment: environment.environment, branchPattern: args.deployBranch ?? "main" },
        { parent: this },
      );
      const subject = tenantDeployerSubject(args.repository, stack.stack);
      const identity = new WorkloadIdentity(
        prefix,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          tags: { ...args.tags, [TENANT_STACK_TAG]: stack.stack, ...tagged },
          // The credential exists only once the environment admits main alone.
          externalCredentials: [{ name: ciCredentialName(subject), issuer: GITHUB_ACTIONS_ISSUER, subject, dependsOn: [branchRule] }],
        },
        { parent: this },
      );
      const assignments = stack.namespaces.map(
        (namespace) =>
          new authorization.RoleAssignment(
            `${prefix}-${namespace}`,
            {
              principalId: identity.principalId,
              principalType: "ServicePrincipal",
              roleDefinitionId: pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${this.role.guid}`,
              scope: pulumi.output(args.clusterId).apply((id) => namespaceScope(id, namespace)),
              condition,
              conditionVersion: "2.0",
            },
            { parent: identity, dependsOn: this.role.ready },
          ),
      );
      new github.ActionsVariable(
        `${prefix}-client-id`,
        { repository: repository.name, variableName: ciVariableNames(stack.stack).deployClientId, value: identity.clientId },
        { parent: this },
      );
      this.deployers[stack.stack] = { identity, environment, assignments, clientId: identity.clientId };
    }
    this.registerOutputs({});
  }
}
