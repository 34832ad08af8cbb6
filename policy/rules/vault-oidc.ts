/**
 * What Vault's bootstrap script grants people through OIDC (issue 30, item 2), read from the
 * script in its ConfigMap as rendered (vault-bootstrap.ts, vault-oidc.ts): every tenant write
 * policy `oidc-tenant-<t>` stays inside `<mount>/<kv v2 path>/<t>/`; no external group carries the
 * platform admin policy beside a tenant's (a tenant's group mapped to admin); every group maps one
 * Entra object id to policies of the platform's own (admin or tenant write); and the login role
 * requires this app's audience, logs no claims and grants nothing itself (else everyone who can
 * sign in to the directory would get it).
 */
import { OIDC_ADMIN_POLICY, OIDC_TENANT_POLICY_PREFIX } from "../../components/kubernetes/vault-oidc";
import { CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy } from "../types";

/** KV v2's paths under a mount that a tenant write policy may name, each followed by `/<tenant>/`. */
const KV_V2_PATHS = ["data", "metadata", "delete", "undelete", "destroy", "subkeys"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface OidcGrants {
  kvMount: string;
  policies: { name: string; hcl: string }[];
  groups: { group: string; alias: string; policies: string[] }[];
  role?: Record<string, unknown>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** OIDC's policies, groups and role in a bootstrap script; undefined for other ConfigMaps and scripts without OIDC. */
export function scriptOidcGrants(configMap: CheckedResource): OidcGrants | undefined {
  const script = get(configMap.props, "data", "bootstrap.sh");
  if (typeof script !== "string" || !script.includes("configure_oidc()") || !script.includes("oidc_group()")) return undefined;
  const kvMount = /^readonly KV_MOUNT='([^']*)'$/m.exec(script)?.[1] ?? "";
  const policies = [...script.matchAll(/^policy_json <<'POLICY' \| write_json 'sys\/policies\/acl\/([^']+)'\n([\s\S]*?)^POLICY$/gm)]
    .map((m) => ({ name: m[1], hcl: m[2] }))
    .filter((p) => p.name.startsWith(OIDC_TENANT_POLICY_PREFIX) || p.name === OIDC_ADMIN_POLICY);
  const groups = [...script.matchAll(/^oidc_group '([^']+)' '([^']+)' '([^']+)'$/gm)].map((m) => {
    const parsed = parseJson(m[3]);
    return { group: m[1], alias: m[2], policies: Array.isArray(parsed) ? parsed.map(String) : [] };
  });
  const roleText = /^write_json 'auth\/oidc\/role\/[^']+' <<'ROLE'\n(.*)$/m.exec(script)?.[1];
  const role = roleText === undefined ? undefined : (parseJson(roleText) as Record<string, unknown> | undefined);
  return { kvMount, policies, groups, role };
}

function tenantPolicyProblems(policy: { name: string; hcl: string }, kvMount: string): string[] {
  if (!policy.name.startsWith(OIDC_TENANT_POLICY_PREFIX)) return [];
  const tenant = policy.name.slice(OIDC_TENANT_POLICY_PREFIX.length);
  const inside = KV_V2_PATHS.map((kind) => `${kvMount}/${kind}/${tenant}/`);
  return [...policy.hcl.matchAll(/path\s+"([^"]*)"\s*\{/g)].flatMap(([, path]) =>
    !inside.some((prefix) => path.startsWith(prefix)) || path.split("/").includes("..") || path.includes("+") || path.slice(0, -1).includes("*")
      ? [`path "${path}" is outside ${kvMount}/${tenant}/`]
      : [],
  );
}

function problems(grants: OidcGrants): string[] {
  const found: string[] = [];
  for (const policy of grants.policies) found.push(...tenantPolicyProblems(policy, grants.kvMount).map((p) => `policy ${policy.name}: ${p}`));
  for (const group of grants.groups) {
    if (!UUID.test(group.alias) || group.group !== `entra-${group.alias}`) found.push(`group ${group.group} aliases ${JSON.stringify(group.alias)}; a group is entra-<object id> and aliases that id`);
    const foreign = group.policies.filter((p) => p !== OIDC_ADMIN_POLICY && !p.startsWith(OIDC_TENANT_POLICY_PREFIX));
    if (foreign.length > 0) found.push(`group ${group.group} carries ${foreign.join(", ")}; OIDC groups carry the admin policy or tenant write policies only`);
    if (group.policies.includes(OIDC_ADMIN_POLICY) && group.policies.some((p) => p.startsWith(OIDC_TENANT_POLICY_PREFIX))) {
      found.push(`group ${group.group} carries ${OIDC_ADMIN_POLICY} beside tenant policies: a tenant's admin group would administer all of Vault`);
    }
  }
  const role = grants.role;
  if (!role) {
    found.push("writes no OIDC role");
  } else {
    const audiences = role.bound_audiences;
    if (!Array.isArray(audiences) || audiences.length === 0) found.push("role default binds no audience: a token issued for any app of the directory would log in");
    if (role.verbose_oidc_logging !== false) found.push("role default logs claims (verbose_oidc_logging); the tokens' claims stay out of the server log");
    const policies = role.token_policies;
    if (!Array.isArray(policies) || policies.length > 0) found.push(`role default grants ${JSON.stringify(policies)} to everyone who logs in; groups grant, the role does not`);
  }
  return found;
}

export const vaultOidcScoped: PlatformPolicy = {
  name: "vault-oidc-scoped",
  description:
    "Vault's OIDC login: tenant write policies stay inside their tenant's KV subtree, no group carries the admin policy beside a tenant's, and the login role requires an audience, logs no claims and grants nothing itself.",
  enforcement: mandatory,
  check: (resources) =>
    ofType(resources, "kubernetes:core/v1:ConfigMap").flatMap((configMap): Finding[] => {
      const grants = scriptOidcGrants(configMap);
      if (!grants) return [];
      return problems(grants).map((message) => ({ urn: configMap.urn, message: `${configMap.name}: ${message}` }));
    }),
};
