/** HashiCorp Vault: TLS only, sealed by Azure Key Vault, an image that can unseal with workload identity. */
import { vaultVersionProblem } from "../../stacks/rules";
import { ownName } from "../links";
import { CheckedResource, Finding, get, mandatory, PlatformPolicy } from "../types";
import { hclAttribute, hclBlocks } from "./hcl-text";

const RELEASE = "kubernetes:helm.sh/v3:Release";

/** Helm releases of the hashicorp/vault chart (`vault` with a repository, or `hashicorp/vault`, or an OCI URL). */
export function vaultReleases(resources: readonly CheckedResource[]): CheckedResource[] {
  return resources.filter((r) => r.type === RELEASE && /(^|\/)vault$/.test(String(get(r.props, "chart") ?? "")));
}

/**
 * The server HCL the chart renders, picked the way the chart picks its mode: dev mode has none,
 * HA uses the raft config (or `ha.config` without raft), otherwise standalone. A config the
 * release does not set is the chart's default, which listens without TLS: "" here, so that
 * the checks fail closed.
 */
export function vaultServerConfig(release: CheckedResource): string {
  const server = get(release.props, "values", "server");
  let config: unknown;
  if (get(server, "dev", "enabled") === true) config = undefined;
  else if (get(server, "ha", "enabled") === true) config = get(server, "ha", "raft", "enabled") === true ? get(server, "ha", "raft", "config") : get(server, "ha", "config");
  else config = get(server, "standalone", "config");
  return typeof config === "string" ? config : "";
}

function perRelease(name: string, description: string, problems: (release: CheckedResource, hcl: string) => string[]): PlatformPolicy {
  return {
    name,
    description,
    enforcement: mandatory,
    check: (resources) =>
      vaultReleases(resources).flatMap((release): Finding[] =>
        problems(release, vaultServerConfig(release)).map((message) => ({ urn: release.urn, message: `${release.name}: ${message}` })),
      ),
  };
}

export const vaultTlsListener = perRelease("vault-tls-listener", "Vault listens with TLS only.", (release, hcl) => {
  const listeners = hclBlocks(hcl, /listener\s+"tcp"/);
  const problems: string[] = [];
  if (get(release.props, "values", "server", "dev", "enabled") === true) problems.push("values.server.dev.enabled runs Vault in dev mode (in memory, unsealed, no TLS)");
  if (listeners.length === 0) problems.push('the server config has no listener "tcp"');
  for (const body of listeners) {
    const disabled = hclAttribute(body, "tls_disable");
    if (disabled !== undefined && ["1", "true"].includes(disabled)) problems.push("a listener sets tls_disable");
    if (!hclAttribute(body, "tls_cert_file") || !hclAttribute(body, "tls_key_file")) problems.push("a listener has no tls_cert_file/tls_key_file");
  }
  if (get(release.props, "values", "global", "tlsDisable") !== false) problems.push("values.global.tlsDisable must be false");
  return problems;
});

export const vaultSeal = perRelease("vault-seal", "Vault auto-unseals through an Azure Key Vault key.", (_release, hcl) => {
  const [seal] = hclBlocks(hcl, /seal\s+"azurekeyvault"/);
  if (seal === undefined) return ['the server config has no seal "azurekeyvault" stanza'];
  return ["vault_name", "key_name"].filter((a) => !hclAttribute(seal, a)).map((a) => `the seal stanza has no ${a}`);
});

export const vaultImageVersion = perRelease("vault-image-version", "The Vault image supports workload identity for the seal (>= 1.15.5, not 1.18.5).", (release) => {
  const tag = String(get(release.props, "values", "server", "image", "tag") ?? "");
  if (!/^\d+\.\d+\.\d+$/.test(tag)) return [`values.server.image.tag must be a pinned version, got "${tag}"`];
  const problem = vaultVersionProblem(tag);
  return problem ? [problem] : [];
});

export const vaultSealKeyProtected: PlatformPolicy = {
  name: "vault-seal-key-protected",
  description: "In production the seal key is protected: losing it makes Vault's data unreadable forever.",
  enforcement: mandatory,
  check: (resources, context) => {
    if (!context.production) return [];
    const keyNames = vaultReleases(resources).flatMap((release) =>
      hclBlocks(vaultServerConfig(release), /seal\s+"azurekeyvault"/).map((seal) => hclAttribute(seal, "key_name")),
    );
    return resources
      // `keyName` is a path parameter, absent from the outputs CrossGuard hands a stack policy; the
      // key's `name` output carries the same name (policy/links.ts).
      .filter((r) => r.type === "azure-native:keyvault:Key" && keyNames.includes(ownName(r, "keyName")))
      .filter((key) => !key.protect)
      .map((key) => ({ urn: key.urn, message: `${key.name}: the Vault seal key must be protected` }));
  },
};

export const VAULT_POLICIES = [vaultTlsListener, vaultSeal, vaultImageVersion, vaultSealKeyProtected];
