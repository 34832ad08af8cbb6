/**
 * CI identities that run unattended. The read-only preview identity also trusts the nightly
 * drift report's GitHub environment, which has no reviewers (CiIdentity, driftEnvironment): any
 * workflow on the branch that environment admits may act as that identity without a person
 * approving the run. So such an identity may only read, and the environment must admit named
 * branches only; otherwise an unattended job, or a pull request's job, could change Azure.
 */
import { BUILT_IN_ROLES } from "../../components/azure/role-ids";
import { federation, grantees, IDENTITY, ownName, unlinkedMessage } from "../links";
import { assignedRoleGuid, CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy, text } from "../types";

const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment";
const BRANCH_RULE = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy";
const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

/** Roles that read and change nothing (Key Vault Reader reads metadata, never key or secret values). */
const READ_ONLY_ROLES: Record<string, string> = Object.fromEntries(
  (["Reader", "Key Vault Reader", "Azure Kubernetes Service RBAC Reader", "Azure Kubernetes Service Cluster User Role"] as const).map((role) => [BUILT_IN_ROLES[role], role]),
);
const ROLE_NAMES: Record<string, string> = Object.fromEntries(Object.entries(BUILT_IN_ROLES).map(([role, guid]) => [guid, role]));

/** `repo:<owner>/<name>:environment:<environment>` -> its parts, or undefined for other subjects. */
function environmentSubject(subject: string): { repository: string; environment: string } | undefined {
  const match = /^repo:[^/:]+\/([^:]+):environment:(.+)$/.exec(subject);
  return match ? { repository: match[1].toLowerCase(), environment: match[2].toLowerCase() } : undefined;
}

/** A key for one environment of one repository (both lower-cased). */
const environmentKey = (repository: string, environment: string) => `${repository}\n${environment}`;

/** Resources (branch rules, credentials) grouped by a key, in their order. */
function groupBy(resources: readonly CheckedResource[], key: (r: CheckedResource) => string | undefined): Map<string, CheckedResource[]> {
  const groups = new Map<string, CheckedResource[]>();
  for (const r of resources) {
    const k = key(r);
    if (k === undefined) continue;
    const group = groups.get(k);
    if (group) group.push(r);
    else groups.set(k, [r]);
  }
  return groups;
}

/**
 * What is wrong with an unreviewed environment's branch gate, or undefined when it admits named
 * branches only. `rulesByEnvironment`: the branch rules by environmentKey.
 */
function gateProblem(environment: CheckedResource, rulesByEnvironment: ReadonlyMap<string, readonly CheckedResource[]>): string | undefined {
  const policy = get(environment.props, "deploymentBranchPolicy");
  if (get(policy, "customBranchPolicies") !== true) return "admits every branch (deploymentBranchPolicy.customBranchPolicies is not true)";
  const name = text(get(environment.props, "environment")).toLowerCase();
  const repository = text(get(environment.props, "repository")).toLowerCase();
  const own = rulesByEnvironment.get(environmentKey(repository, name)) ?? [];
  if (own.length === 0) return "has no branch rule (RepositoryEnvironmentDeploymentPolicy), so GitHub admits no branch the stack chose";
  const loose = own.filter((r) => !text(get(r.props, "branchPattern")) || text(get(r.props, "branchPattern")).includes("*") || text(get(r.props, "tagPattern")));
  if (loose.length > 0) return `admits more than named branches (${loose.map((r) => text(get(r.props, "branchPattern")) || `tag ${text(get(r.props, "tagPattern"))}`).join(", ")})`;
  return undefined;
}

export const unattendedCiIdentityReadOnly: PlatformPolicy = {
  name: "unattended-ci-identity-read-only",
  description:
    "An identity federated with a GitHub environment the stack creates without reviewers (the nightly drift report; a non-production deploy environment) admits named branches only, and holds read-only roles unless it is a non-production deploy identity that no other subject reaches.",
  enforcement: mandatory,
  check: (resources, context) => {
    const unreviewed = ofType(resources, ENVIRONMENT).filter((e) => {
      const reviewers = get(e.props, "reviewers");
      return !Array.isArray(reviewers) || reviewers.length === 0;
    });
    if (unreviewed.length === 0) return [];
    const rules = groupBy(ofType(resources, BRANCH_RULE), (r) =>
      environmentKey(text(get(r.props, "repository")).toLowerCase(), text(get(r.props, "environment")).toLowerCase()),
    );
    const { byIdentity, unlinked } = federation(resources);
    const unlinkedSet = new Set(unlinked);
    // The identities each credential belongs to, in byIdentity's order.
    const owners = new Map<CheckedResource, string[]>();
    for (const [urn, credentials] of byIdentity) {
      for (const credential of credentials) {
        const list = owners.get(credential);
        if (list) list.push(urn);
        else owners.set(credential, [urn]);
      }
    }
    // GitHub Actions credentials by the environment their subject names (duplicates kept, as listed).
    const trustingEnvironment = groupBy(unlinked.concat(...byIdentity.values()), (c) => {
      const subject = environmentSubject(text(get(c.props, "subject")));
      return text(get(c.props, "issuer")) === GITHUB_ACTIONS_ISSUER && subject ? environmentKey(subject.repository, subject.environment) : undefined;
    });
    const findings: Finding[] = [];
    const unattendedIdentities = new Map<string, string>();
    for (const environment of unreviewed) {
      const name = text(get(environment.props, "environment")).toLowerCase();
      const repository = text(get(environment.props, "repository")).toLowerCase();
      const trusting = trustingEnvironment.get(environmentKey(repository, name)) ?? [];
      if (trusting.length === 0) continue;
      const problem = gateProblem(environment, rules);
      if (problem) findings.push({ urn: environment.urn, message: `${environment.name}: environment ${name} has no reviewers and an identity trusts it, but it ${problem}` });
      for (const credential of trusting) {
        if (unlinkedSet.has(credential)) {
          findings.push({ urn: credential.urn, message: unlinkedMessage("unattended-ci-identity-read-only", [credential]) });
          continue;
        }
        for (const urn of owners.get(credential) ?? []) {
          const credentials = byIdentity.get(urn)!;
          // A non-production stack deploys unattended from its own environment (main only, the
          // gate checked above): its deploy identity writes, and nothing else may act as it. A
          // writing identity that also trusts another environment (the preview one, which every
          // pull request may enter) or that sits in production is refused.
          const subjects = new Set(credentials.map((c) => text(get(c.props, "subject")).toLowerCase()));
          const deploysOnlyFromHere = !context.production && subjects.size === 1 && environmentSubject([...subjects][0])?.environment === name;
          if (!deploysOnlyFromHere) unattendedIdentities.set(urn, name);
        }
      }
    }
    const identities = new Map(ofType(resources, IDENTITY).map((i) => [i.urn, i]));
    const granteeOf = grantees(resources);
    for (const assignment of ofType(resources, ASSIGNMENT)) {
      const target = granteeOf(assignment);
      const environment = target ? unattendedIdentities.get(target.urn) : undefined;
      if (!target || environment === undefined) continue;
      const guid = assignedRoleGuid(assignment);
      if (READ_ONLY_ROLES[guid]) continue;
      const identity = identities.get(target.urn)!;
      findings.push({
        urn: assignment.urn,
        message: `${assignment.name}: grants ${ROLE_NAMES[guid] ?? guid} to ${ownName(identity, "resourceName") || identity.name}, which unattended jobs in environment ${environment} act as; it may only read (${Object.values(READ_ONLY_ROLES).join(", ")})`,
      });
    }
    return findings;
  },
};

export const CI_POLICIES = [unattendedCiIdentityReadOnly];
