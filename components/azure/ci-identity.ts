/**
 * The identities GitHub Actions in the infrastructure repository uses through OIDC, without any
 * stored cloud secret: a read-only one for approved pull-request previews (and, unattended, the
 * nightly drift report) and a deploy one for `pulumi up`.
 * Their ids go to the repository as Actions variables, so the workflows need no manual setup
 * after the first deploy.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as github from "@pulumi/github";
import { BUILT_IN_ROLES, BuiltInRole, roleDefinitionId } from "./roles";
import { credentialName, WorkloadIdentity } from "./workload-identity";
import { shortHash } from "../derived-name";
import type { AzureComponentArgs } from "./common";

/** The issuer of GitHub Actions OIDC tokens. */
export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

/** The common Azure args without `protect`: identities and grants hold no state worth protecting. */
export interface CiIdentityArgs extends Omit<AzureComponentArgs, "protect" | "lock" | "diagnostics"> {
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
  /**
   * The GitHub environment (with required reviewers) that the real `pulumi preview` of pull
   * requests runs in. The preview identity trusts only jobs in it, never the `pull_request`
   * subject that every pull request's jobs present: the preview runs the pull request's code
   * with an identity that decrypts the stack's secrets, so a reviewer approves each run first.
   * Default "preview".
   */
  previewEnvironment?: string;
  /**
   * The GitHub environment the scheduled drift report (.github/workflows/drift.yml) runs in, for
   * this stack (`ciDriftEnvironment`): one more subject the read-only preview identity trusts,
   * for a job nobody approves. The component creates the environment itself, with no reviewers
   * and deployment branches limited to `deployBranch`, and the credential only after that rule:
   * so only reviewed workflows on that branch, never a pull request's job, present the subject.
   * Needs the GitHub provider (a token that administers the repository). Must differ from
   * `productionEnvironment` and `previewEnvironment`. Default none: no drift report.
   */
  driftEnvironment?: string;
  /**
   * The GitHub environment that non-production deploy jobs run in (`ciEnvironments`: the stack's
   * environment name, "dev"); production deploys from `productionEnvironment`. Required unless
   * `production`.
   */
  deployEnvironment?: string;
  /**
   * The required reviewers of the preview environment and, in production, of the deploy
   * environment (GitHub user and team ids). Production needs at least one.
   */
  reviewers?: { users?: number[]; teams?: number[] };
  /**
   * The runs-on label of this stack's Pulumi jobs (ci.runner.label), written to the repository
   * variable PULUMI_RUNS_ON<suffix> that the workflows read. Default none: no variable.
   */
  runnerLabel?: string;
  /** The protected branch: the one branch the deploy and drift environments admit. Default "main". */
  deployBranch?: string;
  /**
   * Appended to the variable names (`AZURE_CLIENT_ID_PREVIEW_DEV`), so that the stacks of one
   * repository do not overwrite each other's variables. Upper-cased, other characters become
   * `_`. Default: no suffix.
   */
  variableSuffix?: string;
  /** ARM ids of what the identities get roles on. */
  scopes: {
    /** The platform's resource group, `/subscriptions/<id>/resourceGroups/<name>`. */
    resourceGroupId: pulumi.Input<string>;
    clusterId: pulumi.Input<string>;
    keyVaultId: pulumi.Input<string>;
  };
  /**
   * GUIDs of the platform's custom roles the deploy identity may also assign, to groups (the
   * SOPS encrypt-only role, EncryptOnlyRole, which tenant admin groups get), on top of
   * DELEGABLE_ROLES for service principals. Default none.
   */
  groupDelegableRoleGuids?: pulumi.Input<string>[];
  /**
   * GUIDs of the platform's custom roles the deploy identity may also assign to service
   * principals (the Vault bootstrap Job's VaultBootstrapSecretsRole). Default none.
   */
  servicePrincipalDelegableRoleGuids?: pulumi.Input<string>[];
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
 * form, which is why the production deploy job can only reach the production identity, and why
 * a pull-request job reaches the preview identity only once a reviewer has let it into the
 * preview environment (a job without it presents `pull_request`, which nothing trusts).
 */
export function ciSubjects(
  args: Pick<CiIdentityArgs, "repository" | "productionEnvironment" | "previewEnvironment" | "driftEnvironment" | "production" | "deployEnvironment">,
): CiSubjects {
  const { owner, name } = parseRepository(args.repository);
  const repo = `repo:${owner}/${name}`;
  const previewEnvironment = args.previewEnvironment ?? "preview";
  if (previewEnvironment.toLowerCase() === args.productionEnvironment.toLowerCase()) {
    throw new pulumi.RunError(`CiIdentity: previewEnvironment "${previewEnvironment}" must differ from productionEnvironment "${args.productionEnvironment}"`);
  }
  const drift = args.driftEnvironment;
  // GitHub environment names are case-insensitive: one environment would then carry two trusts.
  if (drift !== undefined && [args.productionEnvironment, previewEnvironment].some((other) => other.toLowerCase() === drift.toLowerCase())) {
    throw new pulumi.RunError(`CiIdentity: driftEnvironment "${drift}" must differ from productionEnvironment and previewEnvironment`);
  }
  return {
    // Appended after the preview subject: credentials are created in a chain, so a stack that
    // turns the drift report on gets one new credential and keeps the existing one as it is.
    preview: [`${repo}:environment:${previewEnvironment}`, ...(drift !== undefined ? [`${repo}:environment:${drift}`] : [])],
    deploy: [`${repo}:environment:${deployEnvironmentOf(args)}`],
  };
}

/** The environment deploy jobs run in: production's approval environment, or the stack's own. */
function deployEnvironmentOf(args: Pick<CiIdentityArgs, "production" | "productionEnvironment" | "previewEnvironment" | "deployEnvironment">): string {
  if (args.production) return args.productionEnvironment;
  const deploy = args.deployEnvironment;
  if (deploy === undefined) throw new pulumi.RunError("CiIdentity: deployEnvironment is required unless production");
  const taken = [args.productionEnvironment, args.previewEnvironment ?? "preview"];
  if (taken.some((other) => other.toLowerCase() === deploy.toLowerCase())) {
    throw new pulumi.RunError(`CiIdentity: deployEnvironment "${deploy}" must differ from productionEnvironment and previewEnvironment`);
  }
  return deploy;
}

/**
 * The GitHub environments of one stack, named once: the stack creates them (CiIdentity), its
 * identities trust exactly them, and the workflows name them (preview.yml: preview-<stack>,
 * deploy.yml: the stack's name or the production environment, drift.yml: drift-<stack>).
 */
export function ciEnvironments(ci: {
  environment: string;
  production: boolean;
  productionEnvironment: string;
  previewEnvironment: string;
  driftReport: boolean;
}): { preview: string; deploy: string; drift?: string } {
  return {
    preview: ci.previewEnvironment,
    deploy: ci.production ? ci.productionEnvironment : ci.environment,
    drift: ci.driftReport ? ciDriftEnvironment(ci.environment) : undefined,
  };
}

/**
 * The GitHub environment of a stack's drift report: `drift-<environment>`, one per stack, so
 * that each stack owns its environment (two stacks of one repository never manage the same one)
 * and the dev report's token is no use for prod. drift.yml names `drift-<matrix.stack>`.
 */
export function ciDriftEnvironment(environment: string): string {
  return `drift-${environment}`;
}

/** The Actions variable names, with the stack's suffix. */
export function ciVariableNames(suffix?: string): { previewClientId: string; deployClientId: string; tenantId: string; subscriptionId: string; runsOn: string } {
  const tail = suffix ? `_${suffix.toUpperCase().replace(/[^A-Z0-9]/g, "_")}` : "";
  return {
    previewClientId: `AZURE_CLIENT_ID_PREVIEW${tail}`,
    deployClientId: `AZURE_CLIENT_ID_DEPLOY${tail}`,
    tenantId: `AZURE_TENANT_ID${tail}`,
    subscriptionId: `AZURE_SUBSCRIPTION_ID${tail}`,
    runsOn: `PULUMI_RUNS_ON${tail}`,
  };
}

/**
 * A CI credential's name on its identity: `github-environment-<name>` (the subject after the
 * repository, its ':' as '-'), as every stack has it, where that is a valid credential name;
 * otherwise cleaned, cut and suffixed with a hash of the subject. GitHub environment names may
 * hold ' ' and '.', so `drift.dev` (a preview environment) and `drift-dev` (the drift report's)
 * would otherwise get one credential name on the preview identity.
 */
export function ciCredentialName(subject: string): string {
  const readable = `github-${subject.slice(subject.indexOf(":", 5) + 1).replace(/:/g, "-")}`;
  if (/^[A-Za-z0-9_-]{3,120}$/.test(readable)) return readable;
  return `${credentialName(readable).slice(0, 111)}-${shortHash(subject)}`;
}

/** The subscription id in an ARM id (`/subscriptions/<id>/...`), or undefined. */
export function subscriptionOf(armId: string): string | undefined {
  return /^\/subscriptions\/([0-9a-fA-F-]{36})(\/|$)/.exec(armId)?.[1];
}

/**
 * Roles the deploy identity may hand out: exactly the roles the platform assigns on a CI run (a
 * test compares this list with every role assignment of the synthesized dev and prod stacks that
 * a deploy creates), each to a managed identity of the platform:
 * - Key Vault Crypto User: kustomize-controller's SOPS identity, on the SOPS key;
 * - Key Vault Crypto Service Encryption User: Vault's seal identity, on the seal key;
 * - Network Contributor: the cluster's control-plane identity, on the platform subnet (prod);
 * - Key Vault Secrets User: a tenant identity, on the tenant's own vault (tenants[].identities);
 * - AcrPull, Storage Blob Data Reader: a tenant identity, on a registry or one blob container in
 *   the platform's resource group (config refuses one outside it with ci);
 * - AcrPull: the cluster's kubelet identity, on each tenant's container registry;
 * - AcrPush: each tenant's registry push identity (GitHub Actions of its application
 *   repositories), on that tenant's registry. AcrPush pulls and pushes images and nothing else:
 *   no delete, no control plane.
 * Plus, by GUID (`servicePrincipalDelegableRoleGuids`), the platform's custom role for Vault's
 * bootstrap Job on the vault (VaultBootstrapSecretsRole: set, list and read secrets), in place of
 * the built-in Key Vault Secrets Officer, which the deploy identity can no longer hand out.
 * Not the CI identities' own roles nor the admin groups' Key Vault Crypto Officer: the person who
 * runs a stack's first `up` creates those, and changes them. Whatever else a deploy might want to
 * grant (Key Vault Administrator, AKS cluster admin, Contributor, Owner, User Access
 * Administrator, this very role) ARM refuses, which is the point: a run on main cannot widen its
 * own access or anyone's beyond what the program already grants.
 */
export const DELEGABLE_ROLES: readonly BuiltInRole[] = [
  "Key Vault Crypto User",
  "Key Vault Crypto Service Encryption User",
  "Network Contributor",
  "Key Vault Secrets User",
  "AcrPull",
  "Storage Blob Data Reader",
  "AcrPush",
  // The application routing add-on's record writer on the configured DNS zones (docs/ingress.md).
  // The zones live outside the deploy identity's scopes: the operator grants it this same
  // delegation on each zone, or the first `up` is a person's.
  "DNS Zone Contributor",
  "Private DNS Zone Contributor",
];

export interface RoleAssignmentConditionArgs {
  /** The only roles that may be assigned (and whose assignments may be deleted). */
  roles: readonly BuiltInRole[];
  /**
   * Principals that may never receive (or lose) an assignment through this grant: at least the
   * grant's own principal, so that it cannot assign roles to itself.
   */
  excludedPrincipalIds: readonly string[];
  /**
   * GUIDs of custom roles that may also be assigned to groups: roles that read and decrypt
   * nothing, such as the SOPS encrypt-only role the platform gives tenant admin groups.
   */
  groupRoleGuids?: readonly string[];
  /** GUIDs of custom roles that may also be assigned to service principals, beside `roles`. */
  servicePrincipalRoleGuids?: readonly string[];
}

/**
 * The Azure ABAC condition that limits "Role Based Access Control Administrator" to creating and
 * deleting assignments of the given roles, for principals of type ServicePrincipal only, and
 * never for the excluded principals. Sources (learn.microsoft.com): "Examples to delegate Azure
 * role assignment management with conditions" ("Constrain roles", "Constrain roles and principal
 * types", and the ACR example with `{'ServicePrincipal'}`), and "Authorization actions and
 * attributes": the write action carries the assignment as `@Request` attributes, the delete
 * action as `@Resource` attributes, so each action gets its own clause; RoleDefinitionId and
 * PrincipalId are GUIDs, PrincipalType the string User, ServicePrincipal or Group.
 *
 * The excluded principals are one `ForAnyOfAllValues:GuidNotEquals {<id>, <id>}`: "at least one
 * value on the left (the one principal) differs from every value on the right", the operator
 * "Examples to delegate Azure role assignment management with conditions" uses to exclude
 * principals. `ForAnyOfAnyValues` with two ids would hold for every principal (any id differs
 * from one of two distinct ids). The expressions are grouped explicitly ("Azure role assignment
 * condition format and syntax": three or more expressions for an action need parentheses).
 */
export function roleAssignmentCondition(args: RoleAssignmentConditionArgs): string {
  if (args.roles.length === 0) throw new Error("roleAssignmentCondition: at least one role");
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  for (const id of [...args.excludedPrincipalIds, ...(args.groupRoleGuids ?? []), ...(args.servicePrincipalRoleGuids ?? [])]) {
    if (!guid.test(id)) throw new Error(`roleAssignmentCondition: "${id}" is not a GUID`);
  }
  if (args.excludedPrincipalIds.length === 0) throw new Error("roleAssignmentCondition: exclude at least the grant's own principal");
  const roles = `{${[...args.roles.map((role) => BUILT_IN_ROLES[role]), ...(args.servicePrincipalRoleGuids ?? [])].join(", ")}}`;
  const clause = (action: "write" | "delete", source: "Request" | "Resource") => {
    const attribute = (name: string) => `@${source}[Microsoft.Authorization/roleAssignments:${name}]`;
    const notExcluded = [`${attribute("PrincipalId")} ForAnyOfAllValues:GuidNotEquals {${args.excludedPrincipalIds.join(", ")}}`];
    // ((a AND b) AND c) AND d: two expressions per pair of parentheses.
    const all = (constraints: string[]) => constraints.reduce((grouped, c) => `(${grouped}\n  AND ${c})`);
    const servicePrincipals = all([
      `${attribute("RoleDefinitionId")} ForAnyOfAnyValues:GuidEquals ${roles}`,
      `${attribute("PrincipalType")} ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}`,
      ...notExcluded,
    ]);
    // The one exception: roles that decrypt and read nothing (the SOPS encrypt-only role) may go to groups.
    const groups = args.groupRoleGuids?.length
      ? all([
          `${attribute("RoleDefinitionId")} ForAnyOfAnyValues:GuidEquals {${args.groupRoleGuids.join(", ")}}`,
          `${attribute("PrincipalType")} ForAnyOfAnyValues:StringEqualsIgnoreCase {'Group'}`,
          ...notExcluded,
        ])
      : undefined;
    return [
      `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/${action}'}))`,
      ` OR ${groups ? `(${servicePrincipals}\n OR ${groups})` : servicePrincipals})`,
    ].join("\n");
  };
  return [clause("write", "Request"), "AND", clause("delete", "Resource")].join("\n");
}

export class CiIdentity extends pulumi.ComponentResource {
  /** Pull-request previews, once approved (the preview environment): reads, never writes. */
  readonly preview: WorkloadIdentity;
  /** `pulumi up` from the deploy workflow. */
  readonly deploy: WorkloadIdentity;
  /** The deploy identity's constrained "Role Based Access Control Administrator" grant. */
  readonly roleAdministration: authorization.RoleAssignment;
  /** The Actions variables written to the repository (none without a GitHub provider). */
  readonly variables: github.ActionsVariable[];
  /** The preview environment: required reviewers, every branch (pull requests run in it). */
  readonly previewEnvironment: github.RepositoryEnvironment;
  /** The deploy environment and its one-branch rule; with required reviewers in production. */
  readonly deployEnvironment: { environment: github.RepositoryEnvironment; branchRule: github.RepositoryEnvironmentDeploymentPolicy };
  /** The drift report's environment and its one-branch deployment rule (with `driftEnvironment`). */
  readonly driftEnvironment?: { environment: github.RepositoryEnvironment; branchRule: github.RepositoryEnvironmentDeploymentPolicy };
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
      list.map((subject) => ({ name: ciCredentialName(subject), issuer: GITHUB_ACTIONS_ISSUER, subject }));
    const hasGithub = this.getProvider("github:index/actionsVariable:ActionsVariable") !== undefined;

    // Every environment an identity trusts is the stack's own: a workflow that names an
    // environment that does not exist gets one from GitHub without any protection, so the gate
    // (reviewers, the one-branch rule) exists before any identity trusts it. The create is
    // GitHub's create-or-update (PUT): an environment a person made is taken over as it is.
    if (!hasGithub) {
      throw new pulumi.RunError(
        `CiIdentity ${name}: needs the GitHub provider (providers: { github }): the environments' reviewers and deployment-branch rules, which the stack creates, are what keep pull-request jobs away from the identities`,
      );
    }
    const reviewers = [{ users: args.reviewers?.users ?? [], teams: args.reviewers?.teams ?? [] }].filter((r) => r.users.length + r.teams.length > 0);
    if (reviewers.length === 0) {
      throw new pulumi.RunError(`CiIdentity ${name}: reviewers must name at least one user or team: they approve every preview (it decrypts the stack's secrets)${args.production ? " and every production deploy" : ""}`);
    }
    const branch = args.deployBranch ?? "main";
    const gated = (kind: string, environmentName: string, gate: { reviewed: boolean; branchOnly: boolean }) => {
      const environment = new github.RepositoryEnvironment(
        `${name}-${kind}-environment`,
        {
          repository: repository.name,
          environment: environmentName,
          reviewers: gate.reviewed ? reviewers : undefined,
          // The author of a pull request or a push does not approve their own run.
          preventSelfReview: gate.reviewed ? true : undefined,
          // Only branches matching a custom policy (the protected branch), where set; and no
          // bypassing the gate by admins (GitHub's default allows it).
          deploymentBranchPolicy: gate.branchOnly ? { protectedBranches: false, customBranchPolicies: true } : undefined,
          canAdminsBypass: false,
        },
        { parent: this },
      );
      const branchRule = gate.branchOnly
        ? new github.RepositoryEnvironmentDeploymentPolicy(
            `${name}-${kind}-branch`,
            { repository: repository.name, environment: environment.environment, branchPattern: branch },
            { parent: this },
          )
        : undefined;
      return { environment, branchRule, gate: branchRule ?? environment };
    };
    // Pull requests run in the preview environment: every branch may enter, a reviewer lets each run in.
    const preview = gated("preview", args.previewEnvironment ?? "preview", { reviewed: true, branchOnly: false });
    // Deploys: the protected branch only; production waits for a reviewer too.
    const deployEnvironment = deployEnvironmentOf(args);
    const deploy = gated("deploy", deployEnvironment, { reviewed: args.production, branchOnly: true });
    this.previewEnvironment = preview.environment;
    this.deployEnvironment = { environment: deploy.environment, branchRule: deploy.branchRule! };
    if (args.driftEnvironment !== undefined) {
      // No reviewers: nobody approves a nightly run.
      const drift = gated("drift", args.driftEnvironment, { reviewed: false, branchOnly: true });
      this.driftEnvironment = { environment: drift.environment, branchRule: drift.branchRule! };
    }
    const gates = new Map<string, pulumi.Resource>([
      [`:environment:${args.previewEnvironment ?? "preview"}`, preview.gate],
      [`:environment:${deployEnvironment}`, deploy.gate],
      ...(this.driftEnvironment ? ([[`:environment:${args.driftEnvironment}`, this.driftEnvironment.branchRule]] as const) : []),
    ]);
    /** Each credential waits for the gate of the environment it trusts. */
    const gatedCredentials = (list: string[]) =>
      credentials(list).map((credential) => {
        const gate = [...gates].find(([suffix]) => credential.subject.endsWith(suffix))?.[1];
        return gate ? { ...credential, dependsOn: [gate] } : credential;
      });

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
        externalCredentials: gatedCredentials(subjects.preview),
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
        externalCredentials: gatedCredentials(subjects.deploy),
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
        // The deploy identity's own principal id is an output: the condition is one too. The
        // preview identity is excluded as well: previews run pull-request code.
        condition: pulumi
          .all([this.deploy.principalId, this.preview.principalId, pulumi.all(args.groupDelegableRoleGuids ?? []), pulumi.all(args.servicePrincipalDelegableRoleGuids ?? [])])
          .apply(([deploy, preview, groupRoleGuids, servicePrincipalRoleGuids]) =>
            roleAssignmentCondition({ roles: DELEGABLE_ROLES, excludedPrincipalIds: [deploy, preview], groupRoleGuids, servicePrincipalRoleGuids }),
          ),
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
      ...(args.runnerLabel !== undefined ? ([[names.runsOn, pulumi.output(args.runnerLabel)]] as [string, pulumi.Output<string>][]) : []),
    ];
    // The GitHub provider comes with the resource options (`providers: { github }`: the
    // repository's owner, a token that may write Actions variables); without one no variables are
    // written, and the outputs are copied into the repository by hand.
    this.variables = hasGithub
      ? values.map(
          ([variableName, value]) =>
            new github.ActionsVariable(
              `${name}-${variableName.toLowerCase().replace(/_/g, "-")}`,
              { repository: repository.name, variableName, value },
              { parent: this },
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
