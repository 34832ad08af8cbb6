/**
 * Tenants behind the AKS application routing add-on (managed NGINX, docs/ingress.md): the
 * controller's pods as a network peer, and the admission policy that keeps each tenant's Ingresses
 * to the hostnames and Key Vault certificates its config declares.
 *
 * Facts from the add-on's source (Azure/aks-app-routing-operator, pkg/):
 * - the controller runs in `app-routing-system` (config/config.go DefaultNs) with the IngressClass
 *   `webapprouting.kubernetes.azure.com` (controller/nginxingress/default.go), pods labelled
 *   `app.kubernetes.io/component: ingress-controller`, `app.kubernetes.io/managed-by:
 *   aks-app-routing-operator` and annotated `prometheus.io/scrape: "true"`, port 10254
 *   (manifests/nginx.go and its fixtures);
 * - it runs with `allow-snippet-annotations: "true"` and `annotations-risk-level: Critical`
 *   (manifests/nginx.go): a `*-snippet` annotation puts raw NGINX configuration into the one
 *   controller every tenant shares, with its service account's cluster-wide Secret read
 *   (CVE-2021-25742, CVE-2023-5044). Refused here;
 * - `kubernetes.azure.com/tls-cert-keyvault-uri` on an Ingress makes the operator sync that Key
 *   Vault certificate, with the add-on's identity, into a Secret of the Ingress's namespace
 *   (controller/keyvault/spc/ingress.go; the vault is the URI host's first label, the object its
 *   path's second segment, parse_kv.go). Any tenant naming another's certificate would get its
 *   private key: only the tenant's own certificates are admitted.
 * - ingress-nginx merges every Ingress of one host into one server; a rule without `host`, or
 *   `spec.defaultBackend`, catches every host's traffic. A tenant's Ingress names only its hosts.
 */
import type { AddonPeer } from "../kubernetes/network-peers";

export const APP_ROUTING_NAMESPACE = "app-routing-system";
export const APP_ROUTING_INGRESS_CLASS = "webapprouting.kubernetes.azure.com";
export const APP_ROUTING_CONTROLLER_LABELS = {
  "app.kubernetes.io/component": "ingress-controller",
  "app.kubernetes.io/managed-by": "aks-app-routing-operator",
};
/** The add-on's metrics port (nginx_ingress_controller_requests, which Flagger's nginx provider queries). */
export const APP_ROUTING_METRICS_PORT = 10254;
export const KEY_VAULT_CERT_ANNOTATION = "kubernetes.azure.com/tls-cert-keyvault-uri";

/** The controller's pods: what a tenant that declares ingress admits, and only such a tenant. */
export function appRoutingController(): AddonPeer {
  return { name: "app-routing-nginx", namespace: APP_ROUTING_NAMESPACE, podLabels: { ...APP_ROUTING_CONTROLLER_LABELS } };
}

/** What one tenant may publish: its hostnames and the names of its certificates in the platform Key Vault. */
export interface TenantIngressClaims {
  hosts: string[];
  certificates: string[];
}

export function ingressPolicyName(namespace: string): string {
  return `tenant-ingress-${namespace}`;
}

const celString = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const celList = (items: string[]) => `[${items.map(celString).join(", ")}]`;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The URIs of the tenant's certificates: `https://<vault>.vault.azure.net/certificates/<name>[/<version>]`. */
export function certificateUriPattern(keyVaultName: string, certificates: string[]): string {
  const names = certificates.map(escapeRegExp).join("|");
  return `^https://${escapeRegExp(keyVaultName)}\\.vault\\.azure\\.net/certificates/(${names})(/[0-9a-zA-Z]+)?/?$`;
}

/**
 * The ValidatingAdmissionPolicy on Ingresses in one tenant namespace, for every tenant when the
 * platform runs the add-on (a tenant that declares no hosts may publish none: its Ingress could
 * still take over another tenant's host at the shared controller). Flagger's canary Ingress
 * copies the tenant's hosts and annotations, so it passes the same checks.
 */
export function tenantIngressPolicy(namespace: string, claims: TenantIngressClaims, keyVaultName: string) {
  const hosts = celList(claims.hosts);
  const annotations = `(has(object.metadata.annotations) ? object.metadata.annotations : {})`;
  const certificate =
    claims.certificates.length > 0
      ? `!(${celString(KEY_VAULT_CERT_ANNOTATION)} in ${annotations}) || ${annotations}[${celString(KEY_VAULT_CERT_ANNOTATION)}].matches(${celString(certificateUriPattern(keyVaultName, claims.certificates))})`
      : `!(${celString(KEY_VAULT_CERT_ANNOTATION)} in ${annotations})`;
  const declared = claims.hosts.length > 0 ? claims.hosts.join(", ") : "none (tenants[].ingress.hosts)";
  return {
    failurePolicy: "Fail",
    matchConstraints: {
      resourceRules: [{ apiGroups: ["networking.k8s.io"], apiVersions: ["v1"], resources: ["ingresses"], operations: ["CREATE", "UPDATE"] }],
    },
    validations: [
      {
        expression: `!has(object.spec.defaultBackend)`,
        message: `Ingresses in ${namespace} cannot set spec.defaultBackend: at the shared controller it takes every unmatched host's traffic`,
      },
      {
        expression: `!has(object.spec.rules) || object.spec.rules.all(rule, has(rule.host) && rule.host in ${hosts})`,
        message: `every rule of an Ingress in ${namespace} must name one of the tenant's hosts: ${declared}`,
      },
      {
        expression: `!has(object.spec.tls) || object.spec.tls.all(tls, has(tls.hosts) && tls.hosts.all(host, host in ${hosts}))`,
        message: `every spec.tls entry of an Ingress in ${namespace} must list only the tenant's hosts: ${declared}`,
      },
      {
        expression: `${annotations}.all(key, !(key.startsWith('nginx.ingress.kubernetes.io/') && key.contains('snippet')))`,
        message: `NGINX snippet annotations are not allowed in ${namespace}: they inject configuration into the controller every tenant shares`,
      },
      {
        expression: certificate,
        message: `${KEY_VAULT_CERT_ANNOTATION} in ${namespace} must name one of the tenant's certificates in the platform Key Vault: ${claims.certificates.length > 0 ? claims.certificates.join(", ") : "none (tenants[].ingress.certificates)"}`,
      },
    ],
  };
}
