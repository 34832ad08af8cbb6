/**
 * Sealed Secrets as plain data: the bitnami-labs `sealed-secrets` chart's values, the names of
 * the platform's sealing keys, the key Secret manifest the Key Vault backup holds, and the
 * admission policy that refuses cluster-wide sealed secrets. SealedSecrets (sealed-secrets.ts)
 * turns these into objects.
 *
 * Upstream (bitnami-labs/sealed-secrets, controller 0.36, chart 2.18): the controller reads every
 * Secret in its own namespace labelled `sealedsecrets.bitnami.com/sealed-secrets-key: active` at
 * start (pkg/controller/main.go initKeyRegistry), seals with the one whose certificate has the
 * latest NotBefore (`--key-order-priority` CertNotBefore), and decrypts with all of them. It makes
 * a key of its own only when it finds none, or on renewal (`--key-renew-period`, 30 days by
 * default; "0" turns it off, initKeyRenewal). It only ever creates key Secrets (keys.go writeKey),
 * never updates one.
 */
import { createHash } from "node:crypto";
import { stringify } from "yaml";

export const SEALED_SECRETS_CHART = { name: "sealed-secrets", repository: "https://bitnami-labs.github.io/sealed-secrets" } as const;

/**
 * The controller's Deployment and Service name: kubeseal's default `--controller-name`, so that a
 * platform admin's `kubeseal --re-encrypt` or `--validate` (through the API server proxy) needs
 * only `--controller-namespace`.
 */
export const CONTROLLER_NAME = "sealed-secrets-controller";

/** The label that makes a Secret in the controller's namespace a sealing key (pkg/controller/keys.go). */
export const SEALING_KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";

/** SealedSecret annotations that widen the scope a secret decrypts in (pkg/apis/sealedsecrets/v1alpha1/types.go). */
export const CLUSTER_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/cluster-wide";
export const NAMESPACE_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/namespace-wide";

/** How long a sealing certificate is valid: kubeseal refuses to seal with an expired one (pkg/kubeseal). The controller's own default, 10 years. */
export const CERTIFICATE_VALIDITY_HOURS = 10 * 365 * 24;

/** A generation of the sealing key: 1, 2, ... The highest seals; every one still decrypts. */
export function sealingKeyName(generation: number): string {
  if (!Number.isInteger(generation) || generation < 1) throw new Error(`sealing key generation must be a positive integer, got ${generation}`);
  // Never the chart's key prefix itself (`sealed-secrets-key`, read as a legacy key) nor what the
  // controller names its own keys (the prefix plus five random characters, generateName).
  return `sealed-secrets-key-gen-${generation}`;
}

/**
 * The Key Vault secret holding generation `generation`'s key Secret manifest, named after the
 * certificate too: backups outlive the stack's resources (retainOnDelete), so a key made again
 * after Sealed Secrets was turned off and on gets a secret of its own instead of meeting the old
 * one (azure-native refuses to create a resource that exists).
 */
export function sealingKeyBackupName(generation: number, certPem: string): string {
  return `${sealingKeyName(generation)}-${createHash("sha256").update(certPem).digest("hex").slice(0, 8)}`;
}

export interface SealingKeySecret {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  certPem: string;
  privateKeyPem: string;
}

/**
 * The key Secret as a manifest, what the Key Vault backup holds: a restore is
 * `az keyvault secret show ... --query value -o tsv | kubectl apply -f -`.
 */
export function sealingKeyManifest(key: SealingKeySecret): string {
  return stringify({
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name: key.name, namespace: key.namespace, labels: { ...key.labels, [SEALING_KEY_LABEL]: "active" } },
    stringData: { "tls.crt": key.certPem, "tls.key": key.privateKeyPem },
  });
}

/** A short digest of the certificates: a new key generation changes it, which restarts the controller. */
export function certificatesChecksum(certPems: readonly string[]): string {
  return createHash("sha256").update(certPems.join("\n")).digest("hex").slice(0, 16);
}

export interface SealedSecretsValuesArgs {
  /** certificatesChecksum of every sealing certificate. */
  keysChecksum: string;
}

/** Pod annotation carrying keysChecksum. */
export const KEYS_CHECKSUM_ANNOTATION = "gitops-platform/sealing-keys";

/**
 * Chart values (chart 2.18.x, templates/deployment.yaml, role.yaml, values.yaml):
 * - `keyrenewperiod: "0"`: the controller makes no keys of its own, whose only copy would be in
 *   the cluster; new generations come from Pulumi, backed up before the controller sees them;
 * - the keys are read at start only (`watchForSecrets` off, upstream calls it beta), so the pod
 *   template carries a checksum of the certificates: a new generation rolls the controller;
 * - `rbac.serviceProxier.create: false`: the chart would otherwise bind `services/proxy` on the
 *   controller to `system:authenticated`, every signed-in user and service account; the
 *   certificate is a stack output, so nobody needs `kubeseal --fetch-cert`;
 * - pod and container security contexts that pass Pod Security `restricted` (the chart's
 *   defaults lack `allowPrivilegeEscalation: false` and a seccomp profile);
 * - requests and a memory limit: one small pod, what the README's cost note counts.
 */
export function sealedSecretsHelmValues(args: SealedSecretsValuesArgs): Record<string, unknown> {
  return {
    fullnameOverride: CONTROLLER_NAME,
    keyrenewperiod: "0",
    watchForSecrets: false,
    rbac: { serviceProxier: { create: false, bind: false } },
    podAnnotations: { [KEYS_CHECKSUM_ANNOTATION]: args.keysChecksum },
    podSecurityContext: { enabled: true, fsGroup: 65534, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    containerSecurityContext: {
      enabled: true,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1001,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
    // The chart's own NetworkPolicy allows ports 8080 and 8081 from anywhere; SealedSecrets makes a deny-all instead.
    networkPolicy: { enabled: false },
  };
}

/** A CEL string literal (single-quoted). */
function celString(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** The CEL test for "this SealedSecret is annotated with `annotation: "true"`", as the controller reads it. */
function annotated(annotation: string): string {
  const key = celString(annotation);
  return `has(object.metadata.annotations) && ${key} in object.metadata.annotations && object.metadata.annotations[${key}] == 'true'`;
}

/**
 * A ValidatingAdmissionPolicy spec that refuses every cluster-wide SealedSecret. The controller
 * decrypts with the scope the SealedSecret's own annotations name (v1alpha1 Unseal: labelFor its
 * object meta): a cluster-wide one decrypts in any namespace under any name, so a tenant that
 * sees another tenant's cluster-wide SealedSecret (in Git, or in the cluster) could copy it into
 * its own namespace and read the Secret. The controller has no flag to refuse that scope, so
 * admission does, for everyone. Namespace-wide stays allowed: it only lets a SealedSecret be
 * renamed inside its namespace, and a tenant can read every Secret of its own namespace anyway.
 */
export function scopePolicySpec() {
  return {
    failurePolicy: "Fail",
    matchConstraints: {
      resourceRules: [{ apiGroups: ["bitnami.com"], apiVersions: ["*"], resources: ["sealedsecrets"], operations: ["CREATE", "UPDATE"] }],
    },
    validations: [
      {
        expression: `!(${annotated(CLUSTER_WIDE_ANNOTATION)})`,
        message: `cluster-wide SealedSecrets are refused on this platform: a cluster-wide secret decrypts in any namespace; seal it for its namespace (kubeseal's default strict scope, or --scope namespace-wide)`,
      },
    ],
  };
}
