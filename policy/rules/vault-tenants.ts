/**
 * What Vault's bootstrap script grants tenants (issue 13, item 6), read from the script in its
 * ConfigMap as rendered (components/kubernetes/vault-bootstrap.ts): every tenant policy is
 * read-only and stays inside its tenant's KV subtree, every kubernetes auth role binds one
 * namespace and its own policy, and an application's role (`<tenant>.<app>`) names its service
 * accounts (no "*", no glob: Vault matches bound names as globs, path_login.go
 * StrListContainsGlob). Only a tenant's namespace-wide role (`<tenant>`, from
 * `vault.namespaceWide: true`) binds "*". Every role requires a token audience.
 */
import { TENANT_POLICY_PREFIX } from "../../components/kubernetes/vault-bootstrap";
import { CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy } from "../types";

interface ScriptGrants {
  kvMount: string;
  roles: { name: string; body: Record<string, unknown> }[];
  policies: { name: string; hcl: string }[];
}

/** The roles and policies a bootstrap script writes; undefined for any other ConfigMap. */
export function scriptGrants(configMap: CheckedResource): ScriptGrants | undefined {
  const script = get(configMap.props, "data", "bootstrap.sh");
  if (typeof script !== "string" || !script.includes("auth/kubernetes/role/")) return undefined;
  const kvMount = /^readonly KV_MOUNT='([^']*)'$/m.exec(script)?.[1] ?? "";
  const roles = [...script.matchAll(/^write_json 'auth\/kubernetes\/role\/([^']+)' <<'ROLE'\n(.*)$/gm)].map((m) => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(m[2]) as Record<string, unknown>;
    } catch {
      body = {};
    }
    return { name: m[1], body };
  });
  const policies = [...script.matchAll(/^policy_json <<'POLICY' \| write_json 'sys\/policies\/acl\/([^']+)'\n([\s\S]*?)^POLICY$/gm)].map((m) => ({ name: m[1], hcl: m[2] }));
  return { kvMount, roles, policies };
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

function roleProblems(role: ScriptGrants["roles"][number]): string[] {
  const problems: string[] = [];
  const tenant = role.name.split(".")[0];
  const app = role.name.includes(".");
  const names = strings(role.body.bound_service_account_names);
  const namespaces = strings(role.body.bound_service_account_namespaces);
  if (namespaces.length !== 1 || /[*?]/.test(namespaces[0])) problems.push(`binds namespaces ${JSON.stringify(namespaces)}; a tenant role binds exactly its tenant's namespace`);
  if (names.length === 0) problems.push("binds no service account");
  // Without an audience Vault takes a token minted for anything (vault-plugin-auth-kubernetes path_login.go).
  if (typeof role.body.audience !== "string" || role.body.audience.trim() === "") problems.push("requires no token audience; every tenant role requires one (VAULT_AUDIENCE), so a token minted for another party does not log in");
  if (app && names.some((n) => /[*?[]/.test(n))) problems.push(`an application role binds ${JSON.stringify(names)}; it must name its service accounts (only the namespace-wide role ${tenant} binds "*")`);
  const policies = strings(role.body.token_policies);
  if (policies.length !== 1 || policies[0] !== `${TENANT_POLICY_PREFIX}${role.name}`) problems.push(`grants policies ${JSON.stringify(policies)}; it must grant its own, ${TENANT_POLICY_PREFIX}${role.name}`);
  return problems;
}

function policyProblems(policy: ScriptGrants["policies"][number], kvMount: string): string[] {
  if (!policy.name.startsWith(TENANT_POLICY_PREFIX)) return [];
  const tenant = policy.name.slice(TENANT_POLICY_PREFIX.length).split(".")[0];
  const problems: string[] = [];
  const inside = [`${kvMount}/data/${tenant}/`, `${kvMount}/metadata/${tenant}/`];
  for (const m of policy.hcl.matchAll(/path\s+"([^"]*)"\s*\{([^}]*)\}/g)) {
    const [, path, body] = m;
    if (!inside.some((prefix) => path.startsWith(prefix)) || path.split("/").includes("..") || path.slice(0, -1).includes("*")) {
      problems.push(`path "${path}" is outside ${kvMount}/${tenant}/`);
    }
    const capabilities = strings(JSON.parse(/capabilities\s*=\s*(\[[^\]]*\])/.exec(body)?.[1] ?? "[]"));
    const extra = capabilities.filter((c) => c !== "read" && c !== "list");
    if (extra.length > 0) problems.push(`path "${path}" grants ${extra.join(", ")}; tenant policies are read-only`);
  }
  return problems;
}

export const vaultTenantAccessScoped: PlatformPolicy = {
  name: "vault-tenant-access-scoped",
  description:
    "Vault's tenant policies read only inside their tenant's KV subtree, each role binds one namespace and its own policy and requires a token audience, and application roles name their service accounts.",
  enforcement: mandatory,
  check: (resources) =>
    ofType(resources, "kubernetes:core/v1:ConfigMap").flatMap((configMap): Finding[] => {
      const grants = scriptGrants(configMap);
      if (!grants) return [];
      return [
        ...grants.roles.flatMap((role) => roleProblems(role).map((p) => `role ${role.name} ${p}`)),
        ...grants.policies.flatMap((policy) => policyProblems(policy, grants.kvMount).map((p) => `policy ${policy.name}: ${p}`)),
      ].map((message) => ({ urn: configMap.urn, message: `${configMap.name}: ${message}` }));
    }),
};
