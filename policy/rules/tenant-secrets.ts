/**
 * Tenant namespaces hold no copy of another namespace's secret values. A tenant's admins may read
 * the Secrets of their namespace, and so may the Git content Flux reconciles as the tenant's
 * account: a Secret there is the tenant's. A value it shares with a Secret in flux-system (the
 * platform's webhook, issue 13 item 3), in Vault's namespace or in another tenant's namespace is a
 * credential handed to that tenant.
 *
 * The policy compares plain values: synth hands policies the program's plain inputs, and CrossGuard
 * hands a stack policy plain values too (secrets decrypted, pulumi/pulumi-policy: "the resource's
 * properties", with no secret marking; see policy/index.ts). `stringData` is compared as is, `data`
 * after base64 decoding, so a value written one way and read back the other still matches.
 */
import { CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy } from "../types";
import { tenantNamespaces } from "./kubernetes";

/**
 * Keys that hold public material by convention, which every namespace may share: an SSH
 * known_hosts (each tenant's Git Secret carries github.com's host keys), public keys and
 * certificates.
 */
export function isPublicSecretKey(key: string): boolean {
  return key === "known_hosts" || key.endsWith(".pub") || key === "ca.crt" || key === "tls.crt";
}

/** Values this short are not credentials (`git`, `true`); comparing them would only add noise. */
export const MIN_SHARED_VALUE_LENGTH = 8;

interface SecretValue {
  secret: CheckedResource;
  namespace: string;
  key: string;
  value: string;
}

/** Every non-public value of every Secret: `stringData` as is, `data` base64-decoded. */
export function secretValuesOf(secret: CheckedResource): SecretValue[] {
  const namespace = String(get(secret.props, "metadata", "namespace") ?? "default");
  const entries = (field: string) => Object.entries((get(secret.props, field) ?? {}) as Record<string, unknown>);
  const found: SecretValue[] = [];
  for (const [key, value] of entries("stringData")) {
    if (typeof value === "string") found.push({ secret, namespace, key, value });
  }
  for (const [key, value] of entries("data")) {
    if (typeof value === "string") found.push({ secret, namespace, key, value: Buffer.from(value, "base64").toString("utf8") });
  }
  return found.filter((v) => !isPublicSecretKey(v.key) && v.value.length >= MIN_SHARED_VALUE_LENGTH);
}

export const tenantSecretsNotShared: PlatformPolicy = {
  name: "tenant-secrets-not-shared",
  description:
    "No Secret in a tenant namespace holds a value that a Secret in another namespace (flux-system, vault, another tenant) also holds: tenants read their namespace's Secrets.",
  enforcement: mandatory,
  check: (resources) => {
    const tenants = tenantNamespaces(resources);
    const values = ofType(resources, "kubernetes:core/v1:Secret").flatMap(secretValuesOf);
    const byValue = new Map<string, SecretValue[]>();
    for (const v of values) {
      const list = byValue.get(v.value);
      if (list) list.push(v);
      else byValue.set(v.value, [v]);
    }
    const findings: Finding[] = [];
    const reported = new Set<string>();
    for (const v of values) {
      if (!tenants.has(v.namespace)) continue;
      const elsewhere = (byValue.get(v.value) ?? []).filter((other) => other.namespace !== v.namespace);
      if (elsewhere.length === 0) continue;
      const where = [...new Set(elsewhere.map((o) => `${o.namespace}/${o.secret.name} (${o.key})`))].join(", ");
      const message = `${v.secret.name}: ${v.key} in tenant namespace ${v.namespace} holds the same value as ${where}; a tenant can read every Secret of its namespace, so it must get a credential of its own`;
      if (reported.has(message)) continue;
      reported.add(message);
      // The value itself is never part of the message.
      findings.push({ urn: v.secret.urn, message });
    }
    return findings;
  },
};
