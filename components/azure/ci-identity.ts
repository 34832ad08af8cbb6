/**
 * The identities GitHub Actions in the infrastructure repository uses through OIDC, without any
 * stored cloud secret: a read-only one for pull-request previews and a deploy one for `pulumi up`.
 * Their ids go to the repository as Actions variables, so the workflows need no manual setup
 * after the first deploy.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as github from "@pulumi/github";
import { BUILT_IN_ROLES, BuiltInRole, roleDefinitionId } from "./roles";
import { WorkloadIdentity } from "./workload-identity";

/** The issuer of GitHub Actions OIDC tokens. */
export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

export interface CiIdentityArgs {
  /**
   * The infrastructure repository as `owner/name`, spelled exactly as GitHub spells it: Entra
   * matches the token's subject case-sensitively.
   */
  repository: string;
  /** The GitHub environment (with required reviewers) that production deploy jobs run in. */
  productionEnvironment: string;
  /**
   * Whether this stack is production. Its deploy identity then trusts only jobs that run in
   * `productionEnvironment` (the approval gate); otherwise only jobs on `deployBranch` without
   * an environment. Never both: a production identity that trusted the branch would let any job
   * on main deploy production without approval.
   */
  production: boolean;
  /** The branch whose pushes deploy non-production stacks. Default "main". */
  deployBranch?: string;
  /**
   * Appended to the variable names (`AZURE_CLIENT_ID_PREVIEW_DEV`), so that the stacks of one
   * repository do not overwrite each other's variables. Upper-cased, other characters become
   * `_`. Default: no suffix.
   */
  variableSuffix?: string;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** ARM ids of what the identities get roles on. */
  scopes: {
    /** The platform's resource group, `/subscriptions/<id>/resourceGroups/<name>`. */
    resourceGroupId: pulumi.Input<string>;
    clusterId: pulumi.Input<string>;
    keyVaultId: pulumi.Input<string>;
  };
  /**
   * GUIDs of the platform's custom roles the deploy identity may also assign (the SOPS
   * encrypt-only role, EncryptOnlyRole), on top of DELEGABLE_ROLES. Default none.
   */
  delegableRoleGuids?: pulumi.Input<string>[];
  /**
   * A GitHub provider for the repository's owner, with a token that may write Actions variables.
   * Without it no variables are written; copy the outputs into the repository by hand.
   */
  github?: github.Provider;
  tags?: pulumi.Input<Record<string, string>>;
}

/** The federated credential subjects of each identity. */
export interface CiSubjects {
  preview: string[];
  deploy: string[];
}

/** `owner/name` split, or an error naming what is wrong. */
export function parseRepository(repository: string): { owner: string; name: string } {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(repository);
  if (!match) throw new pulumi.RunError(`CiIdentity: repository "${repository}" must be owner/name`);
  return { owner: match[1], name: match[2] };
}

/**
 * The subjects GitHub puts in its OIDC tokens (docs.github.com, "OpenID Connect reference").
 * A job with `environment:` gets the environment form *instead of* the branch or pull_request
 * form, which is why the production deploy job can only reach the production identity.
 */
export function ciSubjects(args: Pick<CiIdentityArgs, "repository" | "productionEnvironment" | "production" | "deployBranch">): CiSubjects {
  const { owner, name } = parseRepository(args.repository);
  const repo = `repo:${owner}/${name}`;
  return {
    preview: [`${repo}:pull_request`],
    deploy: args.production ? [`${repo}:environment:${args.productionEnvironment}`] : [`${repo}:ref:refs/heads/${args.deployBranch ?? "main"}`],
  };
}

/** The Actions variable names, with the stack's suffix. */
export function ciVariableNames(suffix?: string): { previewClientId: string; deployClientId: string; tenantId: string; subscriptionId: string } {
  const tail = suffix ? `_${suffix.toUpperCase().replace(/[^A-Z0-9]/g, "_")}` : "";
  return {
    previewClientId: `AZURE_CLIENT_ID_PREVIEW${tail}`,
    deployClientId: `AZURE_CLIENT_ID_DEPLOY${tail}`,
    tenantId: `AZURE_TENANT_ID${tail}`,
    subscriptionId: `AZURE_SUBSCRIPTION_ID${tail}`,
  };
}

/** The subscription id in an ARM id (`/subscriptions/<id>/...`), or undefined. */
export function subscriptionOf(armId: string): string | undefined {
  return /^\/subscriptions\/([0-9a-fA-F-]{36})(\/|$)/.exec(armId)?.[1];
}

/**
 * Roles the deploy identity may hand out: the platform's own roles, but never the two it holds
 * itself. So a deploy cannot widen its own access, nor grant Contributor (or Owner, or User
 * Access Administrator, which are not in the list) to anyone; changing its own grants takes a
 * person with more rights.
 */
export const DELEGABLE_ROLES: readonly BuiltInRole[] = (Object.keys(BUILT_IN_ROLES) as BuiltInRole[]).filter(
  (role) => role !== "Contributor" && role !== "Role Based Access Control Administrator",
);

/**
 * The Azure ABAC condition that limits "Role Based Access Control Administrator" to creating
 * and deleting assignments of the given roles ("Constrain roles", learn.microsoft.com, "Examples
 * to delegate Azure role assignment management with conditions").
 */
export function roleAssignmentCondition(roles: readonly BuiltInRole[], customRoleGuids: readonly string[] = []): string {
  const guids = `{${[...roles.map((role) => BUILT_IN_ROLES[role]), ...customRoleGuids].join(", ")}}`;
  return [
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'}))",
    ` OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals ${guids}))`,
    "AND",
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'}))",
    ` OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals ${guids}))`,
  ].join("\n");
}

export class CiIdentity extends pulumi.ComponentResource {
  /** Pull-request previews: reads, never writes. */
  readonly preview: WorkloadIdentity;
  /** `pulumi up` from the deploy workflow. */
  readonly deploy: WorkloadIdentity;
  /** The deploy identity's constrained "Role Based Access Control Administrator" grant. */
  readonly roleAdministration: authorization.RoleAssignment;
  /** The Actions variables written to the repository (none without a GitHub provider). */
  readonly variables: github.ActionsVariable[];
  /** AZURE_CLIENT_ID / ARM_CLIENT_ID of preview jobs. */
  readonly previewClientId: pulumi.Output<string>;
  /** AZURE_CLIENT_ID / ARM_CLIENT_ID of deploy jobs. */
  readonly deployClientId: pulumi.Output<string>;
  readonly tenantId: pulumi.Output<string>;
  /** The subscription of the resource group, for ARM_SUBSCRIPTION_ID. */
  readonly subscriptionId: pulumi.Output<string>;

  constructor(name: string, args: CiIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:CiIdentity", name, {}, opts);
    const repository = parseRepository(args.repository);
    const subjects = ciSubjects(args);
    const { resourceGroupId, clusterId, keyVaultId } = args.scopes;
    const common = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };
    const credentials = (list: string[]) =>
      list.map((subject) => ({ name: `github-${subject.slice(subject.indexOf(":", 5) + 1)}`, issuer: GITHUB_ACTIONS_ISSUER, subject }));

    this.subscriptionId = pulumi.output(resourceGroupId).apply((id) => {
      const subscription = subscriptionOf(id);
      if (!subscription) throw new Error(`CiIdentity ${name}: scopes.resourceGroupId "${id}" is not an ARM resource group id`);
      return subscription;
    });

    // A preview only reads. What it cannot read is deliberate:
    // - "Azure Kubernetes Service RBAC Reader" shows most namespaced objects but not Secrets (nor
    //   Roles and RoleBindings): reading Secrets would let every pull request read the tokens
    //   and credentials in the cluster. So previews diff Kubernetes objects against the Pulumi
    //   state and must not refresh (a refresh of a Secret or RoleBinding is forbidden). Helm
    //   keeps its release records in Secrets: a preview that has to look into a release (a
    //   changed chart or values) can fail with "forbidden"; the synth diff still shows it.
    // - Server-side apply previews are dry-run PATCH requests, which a reader may not make;
    //   pulumi-kubernetes then falls back to a client-side diff (less exact for fields that
    //   admission webhooks or defaults fill in).
    // - "Azure Kubernetes Service Cluster User Role" only lists the user kubeconfig, which holds
    //   no credential with local accounts off (kubelogin gets the token).
    // - "Key Vault Reader" reads key and secret metadata, never their values.
    this.preview = new WorkloadIdentity(
      `${name}-preview`,
      {
        ...common,
        externalCredentials: credentials(subjects.preview),
        roles: [
          { role: "Reader", scope: resourceGroupId },
          { role: "Azure Kubernetes Service Cluster User Role", scope: clusterId },
          { role: "Azure Kubernetes Service RBAC Reader", scope: clusterId },
          { role: "Key Vault Reader", scope: keyVaultId },
        ],
      },
      { parent: this },
    );

    // Deploys create everything in the resource group, including role assignments for the
    // platform's identities, and apply Kubernetes objects as cluster admin.
    this.deploy = new WorkloadIdentity(
      `${name}-deploy`,
      {
        ...common,
        externalCredentials: credentials(subjects.deploy),
        roles: [
          { role: "Contributor", scope: resourceGroupId },
          { role: "Azure Kubernetes Service RBAC Cluster Admin", scope: clusterId },
          // Keys live in an RBAC-mode vault: ARM checks the caller's data-plane role for them.
          { role: "Key Vault Crypto Officer", scope: keyVaultId },
        ],
      },
      { parent: this },
    );
    this.roleAdministration = new authorization.RoleAssignment(
      `${name}-deploy-rbac-admin`,
      {
        principalId: this.deploy.principalId,
        principalType: "ServicePrincipal",
        roleDefinitionId: this.subscriptionId.apply((sub) => roleDefinitionId(sub, "Role Based Access Control Administrator")),
        scope: resourceGroupId,
        condition: pulumi.all(args.delegableRoleGuids ?? []).apply((custom) => roleAssignmentCondition(DELEGABLE_ROLES, custom)),
        conditionVersion: "2.0",
      },
      { parent: this.deploy },
    );

    this.previewClientId = this.preview.clientId;
    this.deployClientId = this.deploy.clientId;
    this.tenantId = this.preview.tenantId;

    // Variables, not secrets: a client id, tenant id or subscription id is no credential. Only a
    // token GitHub signs for a matching subject can be exchanged for access, so the ids may be
    // visible to anyone who can read the repository (and to pull requests from forks).
    const names = ciVariableNames(args.variableSuffix);
    const values: [string, pulumi.Output<string>][] = [
      [names.previewClientId, this.previewClientId],
      [names.deployClientId, this.deployClientId],
      [names.tenantId, this.tenantId],
      [names.subscriptionId, this.subscriptionId],
    ];
    this.variables = args.github
      ? values.map(
          ([variableName, value]) =>
            new github.ActionsVariable(
              `${name}-${variableName.toLowerCase().replace(/_/g, "-")}`,
              { repository: repository.name, variableName, value },
              { parent: this, provider: args.github },
            ),
        )
      : [];

    this.registerOutputs({
      previewClientId: this.previewClientId,
      deployClientId: this.deployClientId,
      tenantId: this.tenantId,
      subscriptionId: this.subscriptionId,
    });
  }
}
