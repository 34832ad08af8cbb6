/**
 * The Vault bootstrap script, rendered from typed input: initialise Vault once (the whole init
 * response into Key Vault first, then each recovery key and the root token; a re-run completes
 * whatever a failed run left), then configure it idempotently (audit log, kubernetes auth,
 * a KV v2 mount, and per tenant application a read-only policy and a kubernetes auth role bound to
 * its service accounts). No root token outlives a run: the one init returned is revoked, and each
 * run configures Vault with a root token it generates from the recovery keys and revokes at its
 * end (issue 22 item 6). Pure functions only.
 */
import { createHash } from "node:crypto";
import { VAULT_AUDIENCE } from "./vault-config";
import {
  OIDC_ADMIN_POLICY,
  OIDC_GROUP_PREFIX,
  OIDC_MOUNT,
  OIDC_ROLE,
  OIDC_TENANT_POLICY_PREFIX,
  oidcConfigBody,
  oidcGroupMappings,
  oidcPolicies,
  oidcRoleBody,
  OidcTenant,
  validateOidcInput,
  VaultOidcInput,
} from "./vault-oidc";

/**
 * One application of a tenant: these service accounts of the tenant's namespace, and only they,
 * log in to the kubernetes auth role `<tenant>.<name>` and read these paths.
 */
export interface VaultAppRole {
  /** DNS-1123 label, unique within the tenant. */
  name: string;
  /** Service account names in the tenant's namespace; no wildcard (Vault would match it as a glob). */
  serviceAccounts: string[];
  /**
   * Paths relative to the tenant's subtree `<kvMount>/<tenant>/`: `app/db` (one secret), `app/*`
   * (everything under app/), `*` (the whole subtree). No `..`, no leading `/`, `*` only at the end.
   */
  paths: string[];
  /** The JWT audience Vault requires (the pod logs in with a projected token for it). Default VAULT_AUDIENCE; never empty. */
  audience?: string;
}

/** One tenant's access to Vault: its own subtree of the KV mount, nothing else. */
export interface TenantAccess {
  /** Tenant name; its secrets live under `<kvMount>/<name>/`. */
  name: string;
  /** The namespace whose service accounts may log in as the tenant's applications. */
  namespace: string;
  /**
   * Also a role `<tenant>` for every service account of the namespace, reading the whole subtree.
   * Default false: only the applications in `roles` get in (issue 13, item 6).
   */
  namespaceWide?: boolean;
  /** Per application: a policy on its paths and a role bound to exactly its service accounts. */
  roles?: VaultAppRole[];
  /** Entra group object ids of the tenant's admins: with `BootstrapInput.oidc`, they write the tenant's whole subtree. */
  adminGroups?: string[];
}

export interface BootstrapInput {
  /** The server the script initialises, e.g. https://vault-0.vault-internal:8200. */
  initAddress: string;
  /** The active server, for the configuration, e.g. https://vault-active.vault.svc:8200. */
  activeAddress: string;
  /** PEM file of the CA that signed Vault's certificate. */
  caCertFile: string;
  /** Key Vault that receives the recovery keys and the root token. */
  keyVaultName: string;
  /** Key Vault secret names start with this: `<prefix>-root-token`, `<prefix>-recovery-key-<n>`. */
  secretPrefix: string;
  recoveryShares: number;
  recoveryThreshold: number;
  /** Path of the KV v2 mount, e.g. "secret". */
  kvMount: string;
  /** The API server as Vault's pods reach it. Default https://kubernetes.default.svc:443. */
  kubernetesHost?: string;
  /** File audit log on the audit volume; null for none. Default /vault/audit/vault_audit.log. */
  auditFilePath?: string | null;
  tenants: TenantAccess[];
  /**
   * People's login through Entra ID (vault-oidc.ts); undefined: no OIDC, and a mount an earlier
   * run enabled is disabled again (with its groups and policies).
   */
  oidc?: VaultOidcInput;
  /** A memory-backed directory for the init response and secret files. Default /tmp/vault-bootstrap. */
  workDir?: string;
}

/** Vault policy names of tenants carry this prefix; the script prunes stale ones. */
export const TENANT_POLICY_PREFIX = "tenant-";

export function tenantPolicyName(tenant: string): string {
  return `${TENANT_POLICY_PREFIX}${tenant}`;
}

/**
 * The kubernetes auth role of a tenant's application, `<tenant>.<app>`: tenant and application
 * names are DNS labels, which hold no '.', so no two pairs share a role. Vault's role names allow
 * '.' (vault-plugin-auth-kubernetes path_role.go: "role/" + framework.GenericNameRegex, `\w([\w-.]*\w)?`).
 */
export function appRoleName(tenant: string, app: string): string {
  return `${tenant}.${app}`;
}

/** The policy of a tenant's application: `tenant-<tenant>.<app>` (the role's name after the prefix, for pruning). */
export function appPolicyName(tenant: string, app: string): string {
  return `${TENANT_POLICY_PREFIX}${appRoleName(tenant, app)}`;
}

const PATH_SEGMENT = /^[A-Za-z0-9_.-]+$/;

/**
 * Why `path` is not a path inside a tenant's KV subtree, or undefined when it is. Vault ACL paths
 * treat a trailing `*` as a prefix match and `+` as one segment; `*` anywhere else is literal.
 * Allowed: segments of letters, digits, '.', '_', '-' (never `.` or `..`), the last one optionally
 * ending in `*`. Prefixed with `<mount>/data/<tenant>/`, such a path cannot leave the subtree.
 */
export function tenantPathProblem(path: string): string | undefined {
  const usage = "must be a path inside the tenant's KV subtree such as app/db or app/* (segments of letters, digits, '.', '_', '-'; no '..'; '*' only at the end)";
  if (path === "*") return undefined;
  if (path === "" || path.startsWith("/")) return usage;
  const segments = path.split("/");
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    const body = last && segment.endsWith("*") ? segment.slice(0, -1) : segment;
    if (last && body === "" && segment === "*") continue;
    if (body === "." || body === ".." || !PATH_SEGMENT.test(body)) return usage;
  }
  return undefined;
}

/**
 * The Key Vault secrets the script writes, in order: the whole init response first (the only
 * copy of the keys until it is stored), then its pieces.
 */
export function bootstrapSecretNames(prefix: string, recoveryShares: number): { initResponse: string; rootToken: string; recoveryKeys: string[] } {
  return {
    initResponse: `${prefix}-init-response`,
    rootToken: `${prefix}-root-token`,
    recoveryKeys: Array.from({ length: recoveryShares }, (_, i) => `${prefix}-recovery-key-${i + 1}`),
  };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MOUNT = /^[a-z][a-z0-9-]*$/;

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`Vault bootstrap: ${message}`);
}

/**
 * A tenant's policy: read its secrets and list/read their metadata under `<mount>/<tenant>/`,
 * nothing else. The trailing '/' keeps tenant "a" out of tenant "ab"'s subtree.
 */
export function renderTenantPolicy(kvMount: string, tenant: string): string {
  check(MOUNT.test(kvMount), `kvMount ${JSON.stringify(kvMount)} must match ${MOUNT}`);
  check(DNS_LABEL.test(tenant) && tenant.length <= 63, `tenant ${JSON.stringify(tenant)} must be a DNS-1123 label`);
  return [
    `# Tenant "${tenant}": read-only access to ${kvMount}/${tenant}/ and nothing else.`,
    `path "${kvMount}/data/${tenant}/*" {`,
    `  capabilities = ["read"]`,
    `}`,
    ``,
    `path "${kvMount}/metadata/${tenant}/*" {`,
    `  capabilities = ["read", "list"]`,
    `}`,
    ``,
  ].join("\n");
}

/**
 * An application's policy: read the secrets at its paths, and read/list their metadata, under
 * `<mount>/<tenant>/` only.
 */
export function renderAppPolicy(kvMount: string, tenant: string, role: VaultAppRole): string {
  check(MOUNT.test(kvMount), `kvMount ${JSON.stringify(kvMount)} must match ${MOUNT}`);
  check(DNS_LABEL.test(tenant) && tenant.length <= 63, `tenant ${JSON.stringify(tenant)} must be a DNS-1123 label`);
  const lines = [`# Tenant "${tenant}", application "${role.name}": read-only access to these paths under ${kvMount}/${tenant}/.`];
  for (const path of role.paths) {
    const problem = tenantPathProblem(path);
    check(problem === undefined, `tenant ${tenant}, role ${role.name}: path ${JSON.stringify(path)} ${problem}`);
    lines.push(`path "${kvMount}/data/${tenant}/${path}" {`, `  capabilities = ["read"]`, `}`, ``);
    lines.push(`path "${kvMount}/metadata/${tenant}/${path}" {`, `  capabilities = ["read", "list"]`, `}`, ``);
  }
  return lines.join("\n");
}

/** Token lifetimes of every tenant role. */
const TOKEN_TTLS = { token_ttl: "1h", token_max_ttl: "4h" };

/**
 * The namespace-wide kubernetes auth role of a tenant (only with `namespaceWide`): every service
 * account of its namespace gets the whole-subtree policy. Like every role, it requires tokens
 * minted for VAULT_AUDIENCE; the field is always written, so a re-run also resets one changed by
 * hand (Vault keeps a field the request leaves out).
 */
export function tenantRole(tenant: TenantAccess): Record<string, unknown> {
  return {
    bound_service_account_names: ["*"],
    bound_service_account_namespaces: [tenant.namespace],
    token_policies: [tenantPolicyName(tenant.name)],
    audience: VAULT_AUDIENCE,
    ...TOKEN_TTLS,
  };
}

/**
 * The kubernetes auth role of one application: exactly its service accounts, in exactly the
 * tenant's namespace, get its policy (vault-plugin-auth-kubernetes path_login.go matches the
 * token's service account name and namespace against these lists).
 */
export function appRole(tenant: TenantAccess, role: VaultAppRole): Record<string, unknown> {
  return {
    bound_service_account_names: role.serviceAccounts,
    bound_service_account_namespaces: [tenant.namespace],
    token_policies: [appPolicyName(tenant.name, role.name)],
    audience: role.audience || VAULT_AUDIENCE,
    ...TOKEN_TTLS,
  };
}

/** A shell word: single-quoted, so nothing in it expands. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function validate(input: BootstrapInput): void {
  for (const [what, url] of [["initAddress", input.initAddress], ["activeAddress", input.activeAddress]] as const) {
    check(/^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(url), `${what} must be an https:// address without a path (got ${JSON.stringify(url)})`);
  }
  check(/^[0-9a-zA-Z-]{1,24}$/.test(input.keyVaultName), `keyVaultName ${JSON.stringify(input.keyVaultName)} is not a Key Vault name`);
  check(/^[0-9a-zA-Z-]{1,80}$/.test(input.secretPrefix), `secretPrefix ${JSON.stringify(input.secretPrefix)} must be letters, digits and '-'`);
  check(Number.isInteger(input.recoveryShares) && input.recoveryShares >= 1 && input.recoveryShares <= 10, "recoveryShares must be 1-10");
  check(
    Number.isInteger(input.recoveryThreshold) && input.recoveryThreshold >= 1 && input.recoveryThreshold <= input.recoveryShares,
    `recoveryThreshold must be 1-${input.recoveryShares}`,
  );
  check(MOUNT.test(input.kvMount), `kvMount ${JSON.stringify(input.kvMount)} must match ${MOUNT}`);
  const names = new Set<string>();
  for (const tenant of input.tenants) {
    check(DNS_LABEL.test(tenant.name), `tenant ${JSON.stringify(tenant.name)} must be a DNS-1123 label`);
    check(!names.has(tenant.name), `tenant ${tenant.name} appears twice`);
    names.add(tenant.name);
    check(DNS_LABEL.test(tenant.namespace), `tenant ${tenant.name}: namespace ${JSON.stringify(tenant.namespace)} must be a DNS-1123 label`);
    const roles = new Set<string>();
    for (const role of tenant.roles ?? []) {
      check(DNS_LABEL.test(role.name), `tenant ${tenant.name}: role ${JSON.stringify(role.name)} must be a DNS-1123 label`);
      check(!roles.has(role.name), `tenant ${tenant.name}: role ${role.name} appears twice`);
      roles.add(role.name);
      check(role.serviceAccounts.length > 0, `tenant ${tenant.name}, role ${role.name}: needs at least one service account`);
      check(role.paths.length > 0, `tenant ${tenant.name}, role ${role.name}: needs at least one path`);
      // A service account name, never a glob: Vault matches bound names as globs (StrListContainsGlob).
      for (const sa of role.serviceAccounts) {
        check(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(sa), `tenant ${tenant.name}, role ${role.name}: service account ${JSON.stringify(sa)} is not a name`);
      }
      for (const path of role.paths) {
        const problem = tenantPathProblem(path);
        check(problem === undefined, `tenant ${tenant.name}, role ${role.name}: path ${JSON.stringify(path)} ${problem}`);
      }
    }
  }
  if (input.oidc) validateOidcInput(input.oidc, oidcTenants(input.tenants));
}

function oidcTenants(tenants: TenantAccess[]): OidcTenant[] {
  return tenants.map((t) => ({ name: t.name, adminGroups: t.adminGroups ?? [] }));
}

/**
 * The script's OIDC part: `configure_oidc` (enable the mount, its config with the client secret
 * read from Key Vault into a file, the role, the policies, one external group per Entra group and
 * its alias, stale ones pruned) or, without OIDC, `configure_oidc` that disables a mount an
 * earlier run left. The client secret goes from Key Vault to a file to jq's --rawfile: never an argv.
 */
function renderOidcSection(input: BootstrapInput): string {
  const oidc = input.oidc;
  const tenantsWithGroups = oidc ? oidcTenants(input.tenants) : [];
  const keepPolicies = oidc ? oidcPolicies(input.kvMount, tenantsWithGroups).map((p) => p.name) : [];
  const keepGroups = oidc ? oidcGroupMappings(oidc.adminGroups, tenantsWithGroups).map((g) => g.group) : [];
  const prune = `readonly OIDC_POLICIES=${shellQuote(keepPolicies.join(" "))}
readonly OIDC_GROUPS=${shellQuote(keepGroups.join(" "))}

# OIDC's groups and policies that config no longer names: their members lose the access.
prune_oidc() {
  local name status
  status=$(request LIST identity/group/name) || die "LIST /v1/identity/group/name: no answer from $VAULT_ADDR"
  case "$status" in
    2??)
      for name in $(jq -r --arg prefix ${shellQuote(OIDC_GROUP_PREFIX)} '.data.keys[] | select(startswith($prefix))' "$RESPONSE"); do
        case " $OIDC_GROUPS " in *" $name "*) continue ;; esac
        call DELETE "identity/group/name/$name"
        log "removed stale group $name"
      done ;;
    404) ;; # Vault answers 404 to a LIST with nothing to list.
    *) die "LIST /v1/identity/group/name answered HTTP $status: $(vault_errors)" ;;
  esac
  call LIST sys/policies/acl
  for name in $(jq -r --arg prefix ${shellQuote(OIDC_TENANT_POLICY_PREFIX)} --arg admin ${shellQuote(OIDC_ADMIN_POLICY)} '.data.keys[] | select(startswith($prefix) or . == $admin)' "$RESPONSE"); do
    case " $OIDC_POLICIES " in *" $name "*) continue ;; esac
    call DELETE "sys/policies/acl/$name"
    log "removed stale policy $name"
  done
}
`;
  if (!oidc) {
    return `${prune}
configure_oidc() {
  if has_key sys/auth ${OIDC_MOUNT}/; then
    call DELETE sys/auth/${OIDC_MOUNT}
    log "disabled the ${OIDC_MOUNT} auth method (vault.oidc is off)"
  fi
  prune_oidc
}`;
  }
  const policies = oidcPolicies(input.kvMount, tenantsWithGroups);
  const groups = oidcGroupMappings(oidc.adminGroups, tenantsWithGroups);
  const lines = [
    ...policies.map((p) => heredoc(`policy_json <<HEREDOC | write_json ${shellQuote(`sys/policies/acl/${p.name}`)}`, p.hcl, "POLICY")),
    ...groups.map((g) => `oidc_group ${shellQuote(g.group)} ${shellQuote(g.alias)} ${shellQuote(JSON.stringify(g.policies))}`),
  ];
  return `${prune}
readonly OIDC_SECRET_NAME=${shellQuote(oidc.clientSecretName)}

# oidc_group NAME ALIAS POLICIES_JSON: the external group NAME with these policies, aliased to the
# Entra group object id ALIAS on the oidc mount; an alias already right is left alone (a second
# create is refused by Vault), a wrong one is rewritten.
oidc_group() {
  local id alias_id alias_name alias_accessor
  jq -n --argjson policies "$3" '{type: "external", policies: $policies}' >"$BODY"
  call POST "identity/group/name/$1" "$BODY"
  call GET "identity/group/name/$1"
  id=$(jq -r '.data.id' "$RESPONSE")
  alias_id=$(jq -r '.data.alias.id // ""' "$RESPONSE")
  alias_name=$(jq -r '.data.alias.name // ""' "$RESPONSE")
  alias_accessor=$(jq -r '.data.alias.mount_accessor // ""' "$RESPONSE")
  if [ "$alias_name" = "$2" ] && [ "$alias_accessor" = "$OIDC_ACCESSOR" ]; then return 0; fi
  jq -n --arg name "$2" --arg accessor "$OIDC_ACCESSOR" --arg id "$id" '{name: $name, mount_accessor: $accessor, canonical_id: $id}' >"$BODY"
  if [ -n "$alias_id" ]; then call POST "identity/group-alias/id/$alias_id" "$BODY"; else call POST identity/group-alias "$BODY"; fi
  log "group $1: members of Entra group $2 get $3"
}

configure_oidc() {
  if ! has_key sys/auth ${OIDC_MOUNT}/; then
    printf '%s' '{"type":"oidc"}' >"$BODY"
    call POST sys/auth/${OIDC_MOUNT} "$BODY"
    log "enabled the ${OIDC_MOUNT} auth method"
  fi
  call GET sys/auth
  OIDC_ACCESSOR=$(jq -r '(.data // .)["${OIDC_MOUNT}/"].accessor // ""' "$RESPONSE")
  [ -n "$OIDC_ACCESSOR" ] || die "the ${OIDC_MOUNT} auth method has no accessor"
  load_secret "$OIDC_SECRET_NAME" "$WORK/oidc-client-secret"
  [ -s "$WORK/oidc-client-secret" ] || die "Key Vault secret $OIDC_SECRET_NAME (the app registration's client secret) is empty"
  jq --rawfile secret "$WORK/oidc-client-secret" '. + {oidc_client_secret: $secret}' >"$BODY" <<'CONFIG'
${JSON.stringify(oidcConfigBody(oidc))}
CONFIG
  rm -f "$WORK/oidc-client-secret"
  call POST auth/${OIDC_MOUNT}/config "$BODY"
  rm -f "$BODY"
${heredoc(`write_json ${shellQuote(`auth/${OIDC_MOUNT}/role/${OIDC_ROLE}`)} <<HEREDOC`, JSON.stringify(oidcRoleBody(oidc)), "ROLE")}
${lines.join("\n")}
  prune_oidc
}`;
}

/**
 * `command <<'DELIMITER'` followed by the body and the delimiter: a quoted heredoc, whose body
 * the shell leaves alone. The delimiter must not be a body line.
 */
function heredoc(command: string, body: string, delimiter: string): string {
  check(!body.split("\n").includes(delimiter), `heredoc body contains its delimiter ${delimiter}`);
  const [first, ...rest] = command.split("<<HEREDOC");
  return `${first}<<'${delimiter}'${rest.join("")}\n${body.endsWith("\n") ? body : `${body}\n`}${delimiter}`;
}

/**
 * The bootstrap script (bash; the Azure CLI image has bash, curl, jq and az). It expects the
 * workload identity webhook's AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE.
 *
 * Secrets never reach argv or the log: `set +x`, umask 077, the init response and each secret in
 * a file under the memory-backed work dir, handed to `az keyvault secret set --file`, the Vault
 * token passed to curl as a header file, the federated token read by az from its file
 * (`--federated-token @<file>`), everything removed on exit.
 */
export function renderBootstrapScript(input: BootstrapInput): string {
  validate(input);
  const secrets = bootstrapSecretNames(input.secretPrefix, input.recoveryShares);
  const auditFile = input.auditFilePath === undefined ? "/vault/audit/vault_audit.log" : input.auditFilePath;
  // Each role is named like its policy without the prefix, which is how prune_tenants finds it.
  const grants = input.tenants.flatMap((tenant) => [
    ...(tenant.namespaceWide
      ? [{ policy: tenantPolicyName(tenant.name), role: tenant.name, hcl: renderTenantPolicy(input.kvMount, tenant.name), body: tenantRole(tenant), who: "every service account" }]
      : []),
    ...(tenant.roles ?? []).map((role) => ({
      policy: appPolicyName(tenant.name, role.name),
      role: appRoleName(tenant.name, role.name),
      hcl: renderAppPolicy(input.kvMount, tenant.name, role),
      body: appRole(tenant, role),
      who: `service accounts ${role.serviceAccounts.join(", ")}`,
    })),
  ].map((grant) => ({ ...grant, namespace: tenant.namespace })));
  const policies = grants.map((grant) =>
    [
      heredoc(`policy_json <<HEREDOC | write_json ${shellQuote(`sys/policies/acl/${grant.policy}`)}`, grant.hcl, "POLICY"),
      heredoc(`write_json ${shellQuote(`auth/kubernetes/role/${grant.role}`)} <<HEREDOC`, JSON.stringify(grant.body), "ROLE"),
      `log ${shellQuote(`policy ${grant.policy}, role ${grant.role}: ${grant.who} of namespace ${grant.namespace}`)}`,
    ].join("\n"),
  );
  const keep = grants.map((grant) => grant.policy).join(" ");

  return `#!/bin/bash
# Vault bootstrap, rendered by gitops-platform (components/kubernetes/vault-bootstrap.ts).
# Safe to run again: it initialises Vault only once, enables what is missing, and writes the full
# desired state of every policy, role and config.
set -euo pipefail
set +x
umask 077

readonly INIT_ADDR=${shellQuote(input.initAddress)}
readonly ACTIVE_ADDR=${shellQuote(input.activeAddress)}
readonly CACERT=${shellQuote(input.caCertFile)}
readonly KEY_VAULT=${shellQuote(input.keyVaultName)}
readonly INIT_RESPONSE_SECRET=${shellQuote(secrets.initResponse)}
readonly ROOT_TOKEN_SECRET=${shellQuote(secrets.rootToken)}
readonly RECOVERY_KEY_SECRET_PREFIX=${shellQuote(`${input.secretPrefix}-recovery-key-`)}
readonly RECOVERY_SHARES=${input.recoveryShares}
readonly RECOVERY_THRESHOLD=${input.recoveryThreshold}
readonly KV_MOUNT=${shellQuote(input.kvMount)}
readonly KUBERNETES_HOST=${shellQuote(input.kubernetesHost ?? "https://kubernetes.default.svc:443")}
readonly AUDIT_FILE=${shellQuote(auditFile ?? "")}
readonly TENANT_POLICIES=${shellQuote(keep)}
readonly WORK=${shellQuote(input.workDir ?? "/tmp/vault-bootstrap")}
readonly TOKEN_HEADER="$WORK/token-header"
readonly RESPONSE="$WORK/response.json"
readonly BODY="$WORK/body.json"
readonly INIT_FILE="$WORK/init.json"
# Written to INIT_RESPONSE_SECRET just before init: found after an init, it means the response was lost.
readonly PENDING_MARKER='{"pending":"vault-bootstrap started sys/init; the response never reached Key Vault"}'
VAULT_ADDR="$INIT_ADDR"
# 1 while $TOKEN_HEADER holds a root token this run generated: the exit trap revokes it.
ISSUED=0

log() { printf '%s vault-bootstrap: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

cleanup() {
  if [ "$ISSUED" = 1 ]; then revoke_token || log "warning: could not revoke this run's root token; it stays valid until revoked (vault token revoke -self, see docs/day-two.md)"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK"
: >"$TOKEN_HEADER"

# request METHOD PATH [BODY_FILE]: prints the HTTP status; the body lands in $RESPONSE.
request() {
  local method=$1 path=$2
  local data=()
  if [ $# -ge 3 ]; then data=(--header 'Content-Type: application/json' --data-binary "@$3"); fi
  curl --silent --show-error --cacert "$CACERT" --header "@$TOKEN_HEADER" --request "$method" \\
    --output "$RESPONSE" --write-out '%{http_code}' "\${data[@]}" "$VAULT_ADDR/v1/$path"
}

vault_errors() { jq -r '(.errors // []) | join("; ")' "$RESPONSE" 2>/dev/null || true; }

# call METHOD PATH [BODY_FILE]: fails unless Vault answers 2xx.
call() {
  local status
  status=$(request "$@") || die "$1 /v1/$2: no answer from $VAULT_ADDR"
  case "$status" in
    2??) ;;
    *) die "$1 /v1/$2 answered HTTP $status: $(vault_errors)" ;;
  esac
}

# write_json PATH < JSON: POST the full desired state of PATH.
write_json() { cat >"$BODY"; call POST "$1" "$BODY"; }

# policy_json < HCL: the request body that sets an ACL policy.
policy_json() { jq -Rs '{policy: .}'; }

# retry_for N COMMAND...: up to N attempts, 10 s apart.
retry_for() {
  local attempts=$1 attempt
  shift
  for attempt in $(seq 1 "$attempts"); do
    # az keeps the federated token it logged in with, which expires after an hour; the kubelet
    # renews only the file. So a retried az call logs in afresh first: the hour-long retry of the
    # init response must not fail for want of a token (AADSTS700024, Azure/azure-cli#28708).
    if [ "$attempt" -gt 1 ] && [ "$1" = az ]; then azure_login || true; fi
    if "$@"; then return 0; fi
    log "attempt $attempt/$attempts failed: $1 $2 $3; retrying in 10s"
    sleep 10
  done
  return 1
}

# Retries a command for up to 10 minutes (new Azure role assignments take a while to apply).
retry() { retry_for 60 "$@"; }

# with_backoff COMMAND...: up to 6 attempts, 2, 4, 8, 16 and 32 s apart, for the transient errors
# of a read that has worked before (throttling, a dropped connection, an expired login: az logs
# in afresh before each retry). Exit code 3 (az: ResourceNotFound) is not transient: no retry.
with_backoff() {
  local attempt delay=2 status
  for attempt in 1 2 3 4 5 6; do
    status=0
    "$@" || status=$?
    if [ "$status" -eq 0 ] || [ "$status" -eq 3 ]; then return "$status"; fi
    [ "$attempt" -lt 6 ] || break
    log "attempt $attempt/6 failed (exit $status): $1 $2; retrying in \${delay}s"
    sleep "$delay"
    delay=$((delay * 2))
    azure_login || true
  done
  return "$status"
}

health_code() {
  curl --silent --cacert "$CACERT" --output /dev/null --write-out '%{http_code}' "$1/v1/sys/health" || true
}

# wait_for ADDR CODES: until /v1/sys/health at ADDR answers one of CODES (e.g. "200 429 501").
wait_for() {
  local addr=$1 codes=$2 code attempt
  for attempt in $(seq 1 90); do
    code=$(health_code "$addr")
    case " $codes " in *" $code "*) return 0 ;; esac
    log "waiting for $addr (health $code, attempt $attempt)"
    sleep 10
  done
  die "$addr did not become ready"
}

# store_secret NAME FILE: writes FILE's content to Key Vault without putting it on a command line.
store_secret() {
  retry az keyvault secret set --vault-name "$KEY_VAULT" --name "$1" --file "$2" --encoding utf-8 --output none ||
    die "could not write $1 to Key Vault $KEY_VAULT; the whole init response is in $INIT_RESPONSE_SECRET, and a re-run completes the rest"
  rm -f "$2"
}

# kv_names: the names of the vault's secrets (metadata only, no values) into $WORK/names.
kv_names() {
  retry az keyvault secret list --vault-name "$KEY_VAULT" --query '[].name' --output tsv >"$WORK/names" ||
    die "cannot list the secrets of Key Vault $KEY_VAULT"
}
kv_has() { grep -qxF "$1" "$WORK/names"; }

# kv_read NAME FILE: a secret's value into FILE, with backoff (load_secret).
kv_read() { load_secret "$1" "$2"; }

# Recovery keys 1..n, then the root token: their secret names and jq paths in the init response.
pieces() {
  local i
  for i in $(seq 1 "$RECOVERY_SHARES"); do printf '%s %s\\n' "$RECOVERY_KEY_SECRET_PREFIX$i" ".recovery_keys_base64[$((i - 1))]"; done
  printf '%s %s\\n' "$ROOT_TOKEN_SECRET" ".root_token"
}

# store_pieces: writes each piece of $INIT_FILE that Key Vault lacks or holds with another value
# (a stale secret of an earlier install), and leaves the ones already right alone.
store_pieces() {
  local name path written=0
  [ "$(jq '.recovery_keys_base64 | length' "$INIT_FILE")" -eq "$RECOVERY_SHARES" ] || die "the init response holds an unexpected number of recovery keys"
  kv_names
  while read -r name path; do
    jq -j "$path" "$INIT_FILE" >"$WORK/expected"
    if kv_has "$name"; then
      kv_read "$name" "$WORK/current"
      if [ "$(cat "$WORK/current")" = "$(cat "$WORK/expected")" ]; then continue; fi
    fi
    store_secret "$name" "$WORK/expected"
    written=$((written + 1))
  done < <(pieces)
  rm -f "$WORK/expected" "$WORK/current"
  log "Key Vault $KEY_VAULT holds the $RECOVERY_SHARES recovery keys and the root token ($written written now)"
}

unrecoverable() {
  die "Vault at $INIT_ADDR is initialised, but Key Vault $KEY_VAULT holds neither its init response ($INIT_RESPONSE_SECRET) nor all of its recovery keys and root token: $1. They cannot be recovered (Vault still unseals itself through the Key Vault key). If this Vault holds no data yet, start it afresh: scale its StatefulSet to 0, delete its data volumes and run pulumi up again. Otherwise see the docs/operating.md, Day-2 operations, \"Recovering from a failed bootstrap\"."
}

azure_login() {
  [ -n "\${AZURE_FEDERATED_TOKEN_FILE:-}" ] || die "no workload identity token: is the pod labelled azure.workload.identity/use=true?"
  # "@<file>": az reads the argument from the file itself (azure-cli core, commands/__init__.py
  # _expand_file_prefixed_files), so the token never appears in any process's argv.
  az login --service-principal -u "$AZURE_CLIENT_ID" -t "$AZURE_TENANT_ID" \\
    --federated-token "@$AZURE_FEDERATED_TOKEN_FILE" --allow-no-subscriptions --output none
}

initialise() {
  log "initialising Vault at $INIT_ADDR with $RECOVERY_SHARES recovery shares, threshold $RECOVERY_THRESHOLD"
  # Proves Key Vault takes writes before init, and marks that init has started.
  printf '%s' "$PENDING_MARKER" >"$WORK/marker"
  retry az keyvault secret set --vault-name "$KEY_VAULT" --name "$INIT_RESPONSE_SECRET" --file "$WORK/marker" --encoding utf-8 --output none ||
    die "Key Vault $KEY_VAULT refuses writes; Vault was not initialised"
  jq -n --argjson shares "$RECOVERY_SHARES" --argjson threshold "$RECOVERY_THRESHOLD" \\
    '{recovery_shares: $shares, recovery_threshold: $threshold}' >"$BODY"
  call PUT sys/init "$BODY"
  mv "$RESPONSE" "$INIT_FILE"
  # Until this write succeeds the keys exist only in this pod's memory: first the whole response,
  # as one secret, and for up to an hour (the time to fix a firewall rule or a grant).
  retry_for 360 az keyvault secret set --vault-name "$KEY_VAULT" --name "$INIT_RESPONSE_SECRET" --file "$INIT_FILE" --encoding utf-8 --output none ||
    die "could not store the init response in Key Vault $KEY_VAULT for an hour: the recovery keys and root token are lost when this pod exits"
  log "stored the init response in Key Vault $KEY_VAULT ($INIT_RESPONSE_SECRET)"
  store_pieces
}

# Vault is initialised: complete the pieces from the stored response, whatever a run before left.
recover() {
  kv_names
  if kv_has "$INIT_RESPONSE_SECRET"; then
    kv_read "$INIT_RESPONSE_SECRET" "$INIT_FILE"
    if jq -e '.root_token' "$INIT_FILE" >/dev/null 2>&1; then
      store_pieces
      return 0
    fi
    unrecoverable "a run initialised Vault and never stored the response"
  fi
  local name path
  while read -r name path; do
    kv_has "$name" || unrecoverable "$name is missing"
  done < <(pieces)
  log "Key Vault holds every recovery key and the root token (written before the response was kept whole)"
}

# kv_value NAME FILE: a secret's value, without the newline tsv adds, into FILE (one attempt).
kv_value() {
  az keyvault secret show --vault-name "$KEY_VAULT" --name "$1" --query value --output tsv >"$2.tsv" || return $?
  tr -d '\n' <"$2.tsv" >"$2"
  rm -f "$2.tsv"
}

# load_secret NAME FILE: kv_value with backoff; dies naming the secret when it cannot be read.
load_secret() {
  local status=0
  with_backoff kv_value "$1" "$2" || status=$?
  case "$status" in
    0) ;;
    3) die "Vault is initialised but Key Vault $KEY_VAULT has no secret $1" ;;
    *) die "cannot read $1 from Key Vault $KEY_VAULT after 6 attempts" ;;
  esac
}

# use_token FILE: the token in FILE becomes the one requests send.
use_token() { { printf 'X-Vault-Token: '; cat "$1"; } >"$TOKEN_HEADER"; rm -f "$1"; }

# revoke_token: revokes the token requests send (auth/token/revoke-self). Vault answers 204, or
# 403 for a token that is already revoked; both leave no valid token behind.
revoke_token() {
  local status
  [ -s "$TOKEN_HEADER" ] || return 0
  printf '{}' >"$BODY"
  status=$(request POST auth/token/revoke-self "$BODY") || return 1
  case "$status" in
    2?? | 403) : >"$TOKEN_HEADER" ;;
    *) return 1 ;;
  esac
}

# The root token init returned (Key Vault keeps it with the recovery keys): revoked as soon as the
# run is past init; a later run finds it revoked already (403) and goes on.
revoke_init_root_token() {
  load_secret "$ROOT_TOKEN_SECRET" "$WORK/root"
  use_token "$WORK/root"
  revoke_token || die "could not revoke the root token that init returned"
  log "the root token init returned is revoked"
}

# decode_token ENCODED OTP: the root token generate-root returns, unpadded base64 of the token
# XOR the one-time password (vault sdk/helper/roottoken DecodeToken), on stdout. Only builtins
# and pipes touch the values, so neither reaches an argv. (read answers 1 at the end of input
# without a newline; the length check catches a short read.)
decode_token() {
  local encoded otp byte i octal
  local -a bytes
  encoded=$(<"$1")
  otp=$(<"$2")
  while [ $((\${#encoded} % 4)) -ne 0 ]; do encoded+="="; done
  read -r -a bytes < <(printf '%s' "$encoded" | base64 -d | od -An -v -tu1 | tr -s ' \\n' '  ') || true
  [ "\${#bytes[@]}" -eq "\${#otp}" ] || die "the generated root token does not match the one-time password's length"
  for ((i = 0; i < \${#bytes[@]}; i++)); do
    printf -v byte '%d' "'\${otp:i:1}"
    printf -v octal '%03o' $((bytes[i] ^ byte))
    printf "\\\\$octal"
  done
}

# issue_root_token: a root token for this run only, generated from $RECOVERY_THRESHOLD recovery
# keys in Key Vault (sys/generate-root, whose one-time password Vault >= 1.10 returns), into
# $TOKEN_HEADER. The endpoints need no token; the exit trap revokes the one they return.
issue_root_token() {
  local i nonce
  : >"$TOKEN_HEADER"
  # A generation that a failed run left open blocks a new one.
  call DELETE sys/generate-root/attempt
  printf '{}' >"$BODY"
  call PUT sys/generate-root/attempt "$BODY"
  jq -j '.otp // ""' "$RESPONSE" >"$WORK/otp"
  [ -s "$WORK/otp" ] || die "Vault returned no one-time password for sys/generate-root (Vault >= 1.10 does)"
  nonce=$(jq -r .nonce "$RESPONSE")
  for i in $(seq 1 "$RECOVERY_THRESHOLD"); do
    load_secret "$RECOVERY_KEY_SECRET_PREFIX$i" "$WORK/key"
    jq -n --rawfile key "$WORK/key" --arg nonce "$nonce" '{key: $key, nonce: $nonce}' >"$BODY"
    rm -f "$WORK/key"
    call PUT sys/generate-root/update "$BODY"
  done
  rm -f "$BODY"
  jq -e '.complete == true' "$RESPONSE" >/dev/null || die "root token generation did not complete with $RECOVERY_THRESHOLD recovery keys"
  jq -j '.encoded_token // .encoded_root_token' "$RESPONSE" >"$WORK/encoded"
  rm -f "$RESPONSE"
  ISSUED=1
  decode_token "$WORK/encoded" "$WORK/otp" >"$WORK/token"
  rm -f "$WORK/encoded" "$WORK/otp"
  use_token "$WORK/token"
  log "generated a root token for this run from $RECOVERY_THRESHOLD recovery keys"
}

# has_key PATH KEY: does the listing at PATH (sys/auth, sys/mounts, sys/audit) contain KEY?
has_key() {
  call GET "$1"
  jq -e --arg key "$2" '(.data // .) | has($key)' "$RESPONSE" >/dev/null
}

configure_audit() {
  [ -n "$AUDIT_FILE" ] || return 0
  if has_key sys/audit file/; then return 0; fi
  jq -n --arg path "$AUDIT_FILE" '{type: "file", options: {file_path: $path}}' >"$BODY"
  call PUT sys/audit/file "$BODY"
  log "enabled the file audit device at $AUDIT_FILE"
}

configure_kubernetes_auth() {
  if ! has_key sys/auth kubernetes/; then
    printf '%s' '{"type":"kubernetes"}' >"$BODY"
    call POST sys/auth/kubernetes "$BODY"
    log "enabled the kubernetes auth method"
  fi
  # Vault reviews tokens with its own service account (the chart's auth-delegator binding).
  jq -n --arg host "$KUBERNETES_HOST" '{kubernetes_host: $host}' >"$BODY"
  call POST auth/kubernetes/config "$BODY"
}

configure_kv() {
  if has_key sys/mounts "$KV_MOUNT/"; then
    jq -e --arg key "$KV_MOUNT/" '(.data // .)[$key] | .type == "kv" and .options.version == "2"' "$RESPONSE" >/dev/null ||
      die "$KV_MOUNT/ is mounted but is not a KV version 2 engine"
    return 0
  fi
  jq -n '{type: "kv", options: {version: "2"}}' >"$BODY"
  call POST "sys/mounts/$KV_MOUNT" "$BODY"
  log "mounted KV v2 at $KV_MOUNT/"
}

# Policies (and their roles) of tenants and applications that no longer exist lose their access.
prune_tenants() {
  local policy
  call LIST sys/policies/acl
  for policy in $(jq -r --arg prefix ${shellQuote(TENANT_POLICY_PREFIX)} '.data.keys[] | select(startswith($prefix))' "$RESPONSE"); do
    case " $TENANT_POLICIES " in *" $policy "*) continue ;; esac
    call DELETE "auth/kubernetes/role/\${policy#${TENANT_POLICY_PREFIX}}"
    call DELETE "sys/policies/acl/$policy"
    log "removed stale tenant policy $policy and its role"
  done
}

configure_tenants() {
${policies.join("\n")}
  prune_tenants
}

${renderOidcSection(input)}

main() {
  azure_login
  wait_for "$INIT_ADDR" "200 429 472 473 501 503"
  call GET sys/init
  if [ "$(jq -r '.initialized' "$RESPONSE")" = true ]; then
    log "Vault is already initialised"
    recover
  else
    initialise
  fi
  rm -f "$INIT_FILE"
  VAULT_ADDR="$ACTIVE_ADDR"
  wait_for "$ACTIVE_ADDR" "200"
  revoke_init_root_token
  issue_root_token
  configure_audit
  configure_kubernetes_auth
  configure_kv
  configure_tenants
  configure_oidc
  revoke_token || die "could not revoke this run's root token"
  ISSUED=0
  log "revoked this run's root token"
  log "done"
}

main "$@"
`;
}

/** sha256 of the script, for a pod annotation that replaces the Job when the script changes. */
export function scriptChecksum(script: string): string {
  return createHash("sha256").update(script).digest("hex");
}
