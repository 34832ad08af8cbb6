/**
 * A user-assigned managed identity that Kubernetes service accounts (or other OIDC issuers, such
 * as GitHub Actions) can act as, through federated credentials, with least-privilege role grants.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as authorization from "@pulumi/azure-native/authorization";
import { assignRole, RoleGrant } from "./roles";
import type { AzureComponentArgs } from "./common";
import { shortHash } from "../derived-name";

/** Azure's limit on federated identity credentials per identity. */
export const MAX_FEDERATED_CREDENTIALS = 20;
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

export interface ExternalCredential {
  /** Name of the credential on the identity. */
  name: string;
  /** The token issuer, e.g. `https://token.actions.githubusercontent.com`. */
  issuer: pulumi.Input<string>;
  /** The exact subject, e.g. `repo:acme/infra:pull_request`. */
  subject: string;
  /** What must exist before the identity trusts this subject (e.g. the rule that gates it). Default nothing. */
  dependsOn?: pulumi.Resource[];
}

/** The common Azure args without `protect`, a lock or diagnostics: an identity holds no state worth protecting and has no logs. */
export interface WorkloadIdentityArgs extends Omit<AzureComponentArgs, "protect" | "lock" | "diagnostics"> {
  /** The cluster's OIDC issuer URL; required with `serviceAccounts`. */
  oidcIssuerUrl?: pulumi.Input<string>;
  /** Service accounts that may act as this identity: one federated credential each. */
  serviceAccounts?: ServiceAccountRef[];
  /** Credentials for other issuers. Counts towards the limit of 20. */
  externalCredentials?: ExternalCredential[];
  /** Built-in roles to grant, each on its own scope. */
  roles?: RoleGrant[];
  /** Also create the service accounts, annotated with the identity's client and tenant id. */
  kubernetes?: {
    provider: k8s.Provider;
    labels?: Record<string, string>;
    /** What the service accounts wait for: at least what creates their namespace. Default none. */
    dependsOn?: pulumi.Resource[];
  };
}

/** The federated credential subject Kubernetes puts in a service account token. */
export function serviceAccountSubject(ref: ServiceAccountRef): string {
  return `system:serviceaccount:${ref.namespace}:${ref.name}`;
}

/** Credential names allow letters, digits, '-' and '_', 3-120 characters. */
export function credentialName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 120).padEnd(3, "-");
}

/**
 * A service account's credential name: `<namespace>-<name>` where that is a valid credential
 * name as it stands; otherwise (a '.' in the account's name, or over 120 characters) cleaned, cut
 * and suffixed with a hash of the subject, so that `a.b` and `a-b`, or two names that differ only
 * past the cut, never share one credential.
 */
export function serviceAccountCredentialName(ref: ServiceAccountRef): string {
  const text = `${ref.namespace}-${ref.name}`;
  if (/^[A-Za-z0-9_-]{3,120}$/.test(text)) return text;
  return `${credentialName(text).slice(0, 111)}-${shortHash(serviceAccountSubject(ref))}`;
}

export class WorkloadIdentity extends pulumi.ComponentResource {
  readonly identity: managedidentity.UserAssignedIdentity;
  /** The identity's name in Azure. */
  readonly name: pulumi.Output<string>;
  /** Goes into `azure.workload.identity/client-id` and AZURE_CLIENT_ID. */
  readonly clientId: pulumi.Output<string>;
  /** The object id role assignments name. */
  readonly principalId: pulumi.Output<string>;
  readonly tenantId: pulumi.Output<string>;
  /** ARM resource id of the identity. */
  readonly resourceId: pulumi.Output<string>;
  /** ARM resource id of the identity: the name every component uses for ARM ids (`resourceId` is the 0.1 name). */
  readonly id: pulumi.Output<string>;
  readonly credentials: managedidentity.FederatedIdentityCredential[];
  readonly roleAssignments: authorization.RoleAssignment[];
  readonly serviceAccounts: k8s.core.v1.ServiceAccount[];

  constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:WorkloadIdentity", name, {}, opts);
    const serviceAccounts = args.serviceAccounts ?? [];
    const external = args.externalCredentials ?? [];
    const count = serviceAccounts.length + external.length;
    if (count > MAX_FEDERATED_CREDENTIALS) {
      throw new pulumi.RunError(
        `WorkloadIdentity ${name}: ${count} federated credentials requested; Azure allows at most ${MAX_FEDERATED_CREDENTIALS} per identity`,
      );
    }
    if (serviceAccounts.length > 0 && args.oidcIssuerUrl === undefined) {
      throw new pulumi.RunError(`WorkloadIdentity ${name}: oidcIssuerUrl is required to federate service accounts`);
    }

    this.identity = new managedidentity.UserAssignedIdentity(
      name,
      { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
      { parent: this },
    );
    this.name = this.identity.name;
    this.clientId = this.identity.clientId;
    this.principalId = this.identity.principalId;
    this.tenantId = this.identity.tenantId;
    this.resourceId = this.identity.id;
    this.id = this.identity.id;

    const specs = [
      ...serviceAccounts.map((ref) => ({ name: serviceAccountCredentialName(ref), issuer: args.oidcIssuerUrl!, subject: serviceAccountSubject(ref), dependsOn: [] as pulumi.Resource[] })),
      ...external.map((c) => ({ name: credentialName(c.name), issuer: c.issuer, subject: c.subject, dependsOn: c.dependsOn ?? [] })),
    ];
    const subjectByName = new Map<string, string>();
    for (const spec of specs) {
      const other = subjectByName.get(spec.name);
      if (other !== undefined) {
        throw new pulumi.RunError(`WorkloadIdentity ${name}: subjects "${other}" and "${spec.subject}" would share the federated credential name "${spec.name}"`);
      }
      subjectByName.set(spec.name, spec.subject);
    }
    // Azure answers 409 to concurrent credential writes on one identity: create them in a chain.
    this.credentials = [];
    for (const spec of specs) {
      const previous = this.credentials[this.credentials.length - 1];
      this.credentials.push(
        new managedidentity.FederatedIdentityCredential(
          `${name}-${spec.name}`,
          {
            resourceGroupName: args.resourceGroupName,
            resourceName: this.identity.name,
            federatedIdentityCredentialResourceName: spec.name,
            issuer: spec.issuer,
            subject: spec.subject,
            audiences: [TOKEN_EXCHANGE_AUDIENCE],
          },
          { parent: this, dependsOn: [...(previous ? [previous] : []), ...spec.dependsOn] },
        ),
      );
    }

    this.roleAssignments = planRoleAssignments(name, args.roles ?? []).map(({ grant, name: assignmentName, previousNames }) =>
      assignRole(
        assignmentName,
        { ...grant, principalId: this.principalId, principalType: "ServicePrincipal" },
        { parent: this, aliases: previousNames.map((previous) => ({ name: previous })) },
      ),
    );

    const kubernetes = args.kubernetes;
    this.serviceAccounts = kubernetes
      ? serviceAccounts.map(
          (ref) =>
            new k8s.core.v1.ServiceAccount(
              `${name}-${ref.namespace}-${ref.name}`,
              {
                metadata: {
                  name: ref.name,
                  namespace: ref.namespace,
                  labels: { "azure.workload.identity/use": "true", ...kubernetes.labels },
                  annotations: {
                    "azure.workload.identity/client-id": this.clientId,
                    "azure.workload.identity/tenant-id": this.tenantId,
                  },
                },
              },
              { parent: this, provider: kubernetes.provider, dependsOn: kubernetes.dependsOn ?? [] },
            ),
        )
      : [];

    this.registerOutputs({ clientId: this.clientId, principalId: this.principalId, tenantId: this.tenantId, resourceId: this.resourceId });
  }
}

function roleSlug(role: string): string {
  return role.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

/** A role assignment of an identity: its grant, its logical name, and the names it had before. */
export interface PlannedAssignment {
  grant: RoleGrant;
  /** `<identity>-<role>` or `<identity>-<role>-<scopeName>`. */
  name: string;
  /** Names by list position (`<identity>-<role>-<index>`) that earlier versions gave it, most likely first. */
  previousNames: string[];
}

/**
 * Names each role assignment by what it is, the role and (when given) its scope's name, not by
 * its position: a new name makes Pulumi create the assignment before deleting the old one, and
 * ARM refuses a second assignment of the same principal, role and scope (409
 * RoleAssignmentExists). Scopes are usually outputs, unknown while the program runs, so the name
 * cannot come from the scope itself; one role on two scopes needs a scopeName each.
 *
 * The positional names are kept as aliases, so that existing assignments are adopted rather than
 * replaced; the engine takes the first alias that matches (pulumi/pulumi step_generator.go). A
 * role that appears once may have sat at any position, so all are listed, its own first; a role
 * that appears more often keeps only its own position, as two of its grants could otherwise
 * claim the same old assignment.
 */
export function planRoleAssignments(identity: string, roles: readonly RoleGrant[]): PlannedAssignment[] {
  const occurrences = new Map<string, number>();
  for (const grant of roles) occurrences.set(grant.role, (occurrences.get(grant.role) ?? 0) + 1);
  const seen = new Map<string, number>();
  return roles.map((grant, i) => {
    // Never `-<digits>` at the end: that is how a position read, in the old names and the aliases.
    if (grant.scopeName !== undefined && !(/^[a-z][a-z0-9-]{0,39}$/.test(grant.scopeName) && !/-\d+$/.test(grant.scopeName))) {
      throw new pulumi.RunError(
        `WorkloadIdentity ${identity}: roles[${i}].scopeName "${grant.scopeName}" must be lowercase letters, digits and '-', starting with a letter and not ending in '-<digits>' (at most 40)`,
      );
    }
    const slug = roleSlug(grant.role);
    const name = grant.scopeName ? `${identity}-${slug}-${grant.scopeName}` : `${identity}-${slug}`;
    const first = seen.get(name);
    if (first !== undefined) {
      throw new pulumi.RunError(
        `WorkloadIdentity ${identity}: roles[${i}] grants "${grant.role}" again under the same name as roles[${first}]; give each grant of one role its own scopeName`,
      );
    }
    seen.set(name, i);
    const positions = occurrences.get(grant.role) === 1 ? [i, ...roles.keys()].filter((j, k, all) => all.indexOf(j) === k) : [i];
    return { grant, name, previousNames: positions.map((j) => `${identity}-${slug}-${j}`) };
  });
}
