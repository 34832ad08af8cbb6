/**
 * The AKS user kubeconfig, made usable without a person at the keyboard. Pure functions, no Pulumi.
 *
 * With local accounts off, AKS hands out only Entra ID kubeconfigs. In "exec" format they run
 * `kubelogin get-token --login devicecode`, which waits for someone to type a code in a browser.
 * `convertKubeconfig` rewrites every kubelogin user for a non-interactive login mode, the way
 * `kubelogin convert-kubeconfig -l <mode>` does without extra flags
 * (Azure/kubelogin pkg/internal/converter/convert.go): the new args are
 * `get-token --login <mode> --server-id <id>`, plus what that mode takes from the old kubeconfig.
 */
import { parse, stringify } from "yaml";

/** Non-interactive kubelogin login modes the platform supports. */
export const KUBELOGIN_MODES = ["azurecli", "workloadidentity", "spn", "msi"] as const;
export type KubeloginMode = (typeof KUBELOGIN_MODES)[number];

/** One entry of `listManagedClusterUserCredentials(...).kubeconfigs`. */
export interface CredentialResult {
  name: string;
  /** The kubeconfig file, base64-encoded. */
  value: string;
}

const EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1";

/** The value that follows `flag` in an argument list, as kubelogin reads it. */
export function argValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined;
}

/** What a kubelogin user carries over into the converted exec args. */
export interface KubeloginSettings {
  serverId?: string;
  tenantId?: string;
  environment?: string;
  cacheDir?: string;
  legacy?: boolean;
}

/**
 * The `kubelogin get-token` args for a login mode:
 * - azurecli: the token comes from `az login`; the old `--tenant-id` is dropped on purpose
 *   (kubelogin does so too: an az CLI logged in with a managed identity cannot pick a tenant);
 * - workloadidentity: client, tenant, token file and authority come from AZURE_CLIENT_ID,
 *   AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE and AZURE_AUTHORITY_HOST;
 * - spn: keeps `--tenant-id` and `--environment`; the client id and secret come from
 *   AAD_SERVICE_PRINCIPAL_CLIENT_ID/_SECRET or AZURE_CLIENT_ID/AZURE_CLIENT_SECRET. Unlike
 *   kubelogin, the old `--client-id` is dropped: in an AKS kubeconfig it is the AKS public client
 *   application, never the service principal, so carrying it over only hides a missing env var;
 * - msi: the machine's managed identity (system-assigned, or the only user-assigned one).
 */
export function kubeloginArgs(mode: KubeloginMode, settings: KubeloginSettings): string[] {
  if (!settings.serverId) throw new Error("kubelogin user has no --server-id (the AKS AAD server application id)");
  const args = ["get-token", "--login", mode, "--server-id", settings.serverId];
  if (settings.cacheDir) args.push("--cache-dir", settings.cacheDir);
  if (mode === "spn") {
    if (settings.tenantId) args.push("--tenant-id", settings.tenantId);
    if (settings.environment) args.push("--environment", settings.environment);
    if (settings.legacy) args.push("--legacy");
  }
  return args;
}

interface ExecConfig {
  command?: string;
  args?: string[] | null;
  [key: string]: unknown;
}

interface AuthInfo {
  exec?: ExecConfig | null;
  "auth-provider"?: { name?: string; config?: Record<string, string> } | null;
  [key: string]: unknown;
}

/** What to carry over from a user, or undefined when it does not log in through Entra ID. */
function kubeloginSettings(user: AuthInfo): KubeloginSettings | undefined {
  const exec = user.exec;
  if (exec && typeof exec.command === "string" && exec.command.toLowerCase().includes("kubelogin")) {
    const args = exec.args ?? [];
    return {
      serverId: argValue(args, "--server-id"),
      tenantId: argValue(args, "--tenant-id"),
      environment: argValue(args, "--environment"),
      cacheDir: argValue(args, "--cache-dir") ?? argValue(args, "--token-cache-dir"),
      legacy: args.includes("--legacy"),
    };
  }
  const provider = user["auth-provider"];
  if (provider?.name === "azure") {
    // The legacy in-tree azure auth provider (`format: azure`); config-mode "" or "0" is AAD v1.
    const config = provider.config ?? {};
    return {
      serverId: config["apiserver-id"],
      tenantId: config["tenant-id"],
      environment: config.environment,
      legacy: !config["config-mode"] || config["config-mode"] === "0",
    };
  }
  return undefined;
}

/**
 * Rewrites every Entra ID user of a kubeconfig (kubelogin exec, or the legacy azure auth
 * provider) for `mode`; other users and everything else are left as they are.
 */
export function convertKubeconfig(kubeconfig: string, mode: KubeloginMode): string {
  const config = parse(kubeconfig) as { users?: { name: string; user?: AuthInfo }[] } | null;
  if (!config || typeof config !== "object") throw new Error("kubeconfig is not a YAML mapping");
  for (const entry of config.users ?? []) {
    const user = entry.user;
    const settings = user && kubeloginSettings(user);
    if (!user || !settings) continue;
    delete user["auth-provider"];
    user.exec = {
      ...user.exec,
      apiVersion: EXEC_API_VERSION,
      command: "kubelogin",
      args: kubeloginArgs(mode, settings),
    };
  }
  return stringify(config);
}

/** Decodes the base64 kubeconfig AKS returns. */
export function decodeKubeconfig(base64: string): string {
  return Buffer.from(base64, "base64").toString("utf8");
}

/** The first kubeconfig of a credentials result, decoded and converted for `mode`. */
export function userKubeconfig(kubeconfigs: readonly CredentialResult[] | undefined, mode: KubeloginMode): string {
  const first = kubeconfigs?.[0];
  if (!first?.value) throw new Error("AKS returned no user kubeconfig");
  return convertKubeconfig(decodeKubeconfig(first.value), mode);
}
