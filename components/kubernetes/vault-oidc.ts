/**
 * People in Vault (issue 30, item 2): Vault's OIDC auth method backed by Entra ID, external groups
 * whose aliases are Entra group object ids, an admin policy for the platform's admins and, for each
 * tenant's admin group, a write policy on exactly that tenant's KV subtree. Pure functions: the
 * bootstrap script (vault-bootstrap.ts) writes what these return.
 *
 * Upstream: Vault's JWT/OIDC auth API (auth/<path>/config: oidc_discovery_url, oidc_client_id,
 * oidc_client_secret, default_role, provider_config; auth/<path>/role/<name>: role_type,
 * bound_audiences, allowed_redirect_uris, user_claim, groups_claim, oidc_scopes,
 * verbose_oidc_logging), Vault's "OIDC provider configuration: Azure Active Directory" page (the CLI
 * callback http://localhost:8250/oidc/callback, the UI callback
 * https://<host>/ui/vault/auth/oidc/oidc/callback, the discovery URL
 * https://login.microsoftonline.com/<tenant>/v2.0, `provider_config: {provider: "azure"}` and the
 * Graph scope for users in more than 200 groups, whose token carries a `_claim_names` overage
 * reference instead of `groups`), and the identity store (identity/group/name/<name> creates or
 * updates an external group by name; identity/group-alias refuses a second alias of one name and
 * mount: "combination of mount and group alias name is already in use", vault/identity_store_group_aliases.go).
 */
/** Where the auth method is mounted: `vault login -method=oidc` uses this path by default. */
export const OIDC_MOUNT = "oidc";
/** The role people log in to unless they name one; `default_role` of the mount. */
export const OIDC_ROLE = "default";
/** The CLI's local callback listener (`vault login -method=oidc` listens on localhost:8250). */
export const CLI_REDIRECT_URI = "http://localhost:8250/oidc/callback";
/** The UI's callback path on whatever address the browser reaches Vault at. */
export const UI_CALLBACK_PATH = `/ui/vault/auth/${OIDC_MOUNT}/oidc/callback`;
/**
 * The UI through `kubectl port-forward -n vault svc/vault-active 8200`: the server certificate
 * covers localhost (vault-config.ts serverDnsNames), so this works with no ingress at all.
 */
export const PORT_FORWARD_UI_ADDRESS = "https://localhost:8200";

/** The platform admins' policy. */
export const OIDC_ADMIN_POLICY = "oidc-platform-admin";
/** Tenant admins' write policies are `oidc-tenant-<tenant>`; the script prunes stale ones by this prefix. */
export const OIDC_TENANT_POLICY_PREFIX = "oidc-tenant-";
/** External groups are `entra-<object id>`; the script prunes stale ones by this prefix. */
export const OIDC_GROUP_PREFIX = "entra-";

export function oidcTenantPolicyName(tenant: string): string {
  return `${OIDC_TENANT_POLICY_PREFIX}${tenant}`;
}

export function oidcGroupName(objectId: string): string {
  return `${OIDC_GROUP_PREFIX}${objectId.toLowerCase()}`;
}

/** The OIDC login of people, as the bootstrap script configures it. */
export interface VaultOidcInput {
  /** Entra tenant (directory) id that issues the tokens. */
  tenantId: string;
  /** Application (client) id of the app registration; the ID token's audience. */
  clientId: string;
  /** Name of the Key Vault secret (in the platform's vault) that holds the app registration's client secret. */
  clientSecretName: string;
  /** Entra group object ids whose members get OIDC_ADMIN_POLICY. */
  adminGroups: string[];
  /** Addresses the browser reaches the UI at, e.g. https://vault.example.com; with `ui`, PORT_FORWARD_UI_ADDRESS is always one. */
  uiAddresses: string[];
  /** Whether the server serves the UI (vault.ui): only then are UI callbacks allowed. */
  ui: boolean;
}

/** One tenant as OIDC sees it: its admin groups write its subtree. */
export interface OidcTenant {
  name: string;
  adminGroups: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MOUNT = /^[a-z][a-z0-9-]*$/;
const KEY_VAULT_OBJECT = /^[0-9a-zA-Z-]{1,127}$/;
const HTTPS_ORIGIN = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/;

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`Vault OIDC: ${message}`);
}

/** The redirect URIs the role allows: the CLI's, and the UI's at each address when the UI is on. */
export function allowedRedirectUris(input: Pick<VaultOidcInput, "ui" | "uiAddresses">): string[] {
  if (!input.ui) return [CLI_REDIRECT_URI];
  const addresses = [PORT_FORWARD_UI_ADDRESS, ...input.uiAddresses.filter((a) => a !== PORT_FORWARD_UI_ADDRESS)];
  return [CLI_REDIRECT_URI, ...addresses.map((address) => `${address}${UI_CALLBACK_PATH}`)];
}

/** Entra's v2.0 issuer for the tenant; Vault fetches `<url>/.well-known/openid-configuration`. */
export function discoveryUrl(tenantId: string): string {
  return `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

/**
 * auth/oidc/config without the client secret (the script adds it from Key Vault). The azure
 * provider makes Vault fetch a user's groups from Microsoft Graph when the token carries the
 * overage reference instead of `groups` (more than 200 groups).
 */
export function oidcConfigBody(input: VaultOidcInput): Record<string, unknown> {
  return {
    oidc_discovery_url: discoveryUrl(input.tenantId),
    oidc_client_id: input.clientId,
    default_role: OIDC_ROLE,
    provider_config: { provider: "azure" },
  };
}

/**
 * The one role people log in to. The token must be issued for this app (bound_audiences); the
 * user is their Entra object id (`oid`: immutable, unlike a UPN or an email), their groups the
 * `groups` claim (object ids; the app registration's groupMembershipClaims: SecurityGroup).
 * The role itself grants only Vault's `default` policy: what a person may do comes from the
 * external groups their groups alias. Claims are never logged (verbose_oidc_logging false).
 */
export function oidcRoleBody(input: VaultOidcInput): Record<string, unknown> {
  return {
    role_type: "oidc",
    bound_audiences: [input.clientId],
    allowed_redirect_uris: allowedRedirectUris(input),
    user_claim: "oid",
    groups_claim: "groups",
    oidc_scopes: ["profile", "https://graph.microsoft.com/.default"],
    verbose_oidc_logging: false,
    token_policies: [],
    token_ttl: "1h",
    token_max_ttl: "8h",
  };
}

/**
 * Tenant admins' policy: create, read, update, delete and list inside `<mount>/<tenant>/` (KV v2's
 * data, metadata, delete, undelete, destroy and subkeys paths), nothing else: not another
 * tenant's subtree (the trailing '/' keeps tenant "a" out of "ab"), not sys/, auth/ or identity/.
 */
export function renderTenantWritePolicy(kvMount: string, tenant: string): string {
  check(MOUNT.test(kvMount), `kvMount ${JSON.stringify(kvMount)} must match ${MOUNT}`);
  check(DNS_LABEL.test(tenant) && tenant.length <= 63, `tenant ${JSON.stringify(tenant)} must be a DNS-1123 label`);
  const block = (path: string, capabilities: string[]) => [`path "${kvMount}/${path}/${tenant}/*" {`, `  capabilities = ${JSON.stringify(capabilities)}`, `}`, ``];
  return [
    `# Tenant "${tenant}" admins (OIDC): write access to ${kvMount}/${tenant}/ and nothing else.`,
    ...block("data", ["create", "read", "update", "patch", "delete", "list"]),
    ...block("metadata", ["read", "list", "delete"]),
    ...block("delete", ["update"]),
    ...block("undelete", ["update"]),
    ...block("destroy", ["update"]),
    ...block("subkeys", ["read"]),
  ].join("\n");
}

/** Platform admins' policy: everything, as a root token could (sudo included). */
export function renderAdminPolicy(): string {
  return [
    `# Platform admins (OIDC): every path, sudo included; what a root token could do, on a token that expires.`,
    `path "*" {`,
    `  capabilities = ["create", "read", "update", "patch", "delete", "list", "sudo"]`,
    `}`,
    ``,
  ].join("\n");
}

/** One external group: an Entra group object id (its alias) and the policies its members get. */
export interface OidcGroupMapping {
  group: string;
  alias: string;
  policies: string[];
}

/**
 * The external groups: one per Entra group, with the admin policy for the platform's admin groups
 * and each tenant's write policy for that tenant's admin groups. A group that is both (which the
 * stack config refuses, rules-vault-oidc.ts) is refused here too: a tenant's group never
 * carries the admin policy.
 */
export function oidcGroupMappings(adminGroups: string[], tenants: OidcTenant[]): OidcGroupMapping[] {
  const policies = new Map<string, Set<string>>();
  const add = (objectId: string, policy: string) => {
    const id = objectId.toLowerCase();
    check(UUID.test(id), `group ${JSON.stringify(objectId)} is not an Entra object id`);
    policies.set(id, (policies.get(id) ?? new Set()).add(policy));
  };
  for (const group of adminGroups) add(group, OIDC_ADMIN_POLICY);
  for (const tenant of tenants) for (const group of tenant.adminGroups) add(group, oidcTenantPolicyName(tenant.name));
  const mappings = [...policies.entries()].map(([alias, set]) => ({ group: oidcGroupName(alias), alias, policies: [...set].sort() }));
  for (const mapping of mappings) {
    check(
      !(mapping.policies.includes(OIDC_ADMIN_POLICY) && mapping.policies.length > 1),
      `group ${mapping.alias} is a tenant's admin group and a platform admin group; a tenant's group never gets ${OIDC_ADMIN_POLICY}`,
    );
  }
  return mappings.sort((a, b) => a.group.localeCompare(b.group));
}

/** Throws on input the script must never be rendered from. */
export function validateOidcInput(input: VaultOidcInput, tenants: OidcTenant[]): void {
  check(UUID.test(input.tenantId), `tenantId ${JSON.stringify(input.tenantId)} is not a directory id`);
  check(UUID.test(input.clientId), `clientId ${JSON.stringify(input.clientId)} is not an application id`);
  check(KEY_VAULT_OBJECT.test(input.clientSecretName), `clientSecretName ${JSON.stringify(input.clientSecretName)} is not a Key Vault secret name`);
  for (const address of input.uiAddresses) check(HTTPS_ORIGIN.test(address), `UI address ${JSON.stringify(address)} must be https://<host>[:port] without a path`);
  oidcGroupMappings(input.adminGroups, tenants);
}

/** The policies OIDC writes: name and HCL, the admin policy first. */
export function oidcPolicies(kvMount: string, tenants: OidcTenant[]): { name: string; hcl: string }[] {
  return [
    { name: OIDC_ADMIN_POLICY, hcl: renderAdminPolicy() },
    ...tenants.filter((t) => t.adminGroups.length > 0).map((t) => ({ name: oidcTenantPolicyName(t.name), hcl: renderTenantWritePolicy(kvMount, t.name) })),
  ];
}
