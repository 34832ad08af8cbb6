/**
 * What the Kubernetes API server accepts: object names, label values, request and data sizes
 * (apimachinery validation: IsDNS1123Subdomain, IsDNS1123Label, IsValidLabelValue; core/validation
 * MaxSecretSize; etcd's --max-request-bytes), and which kinds are cluster-scoped. Facts about
 * Kubernetes, not about this platform: the config rules (stacks/) refuse input that would break
 * them and the deploy rules (policy/deploy/) check the graph against them, both from here, so
 * neither imports the other.
 */

/** etcd's default request limit, which the API server passes on (--max-request-bytes 1.5 MiB). */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;
/** A ConfigMap's or Secret's data, all keys together (validation MaxSecretSize). */
export const MAX_DATA_BYTES = 1024 * 1024;
export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const LABEL_VALUE_MAX = 63;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kinds whose names must be DNS-1123 labels (they become DNS names or label values). */
const LABEL_NAMED_KINDS: ReadonlySet<string> = new Set(["Namespace", "Service"]);
/** RBAC kinds take any path segment as a name (ValidateRBACName). */
const PATH_SEGMENT_NAMED_KINDS: ReadonlySet<string> = new Set(["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"]);

/** Why the API server refuses `name` for an object of `kind`, or undefined. */
export function objectNameProblem(kind: string, name: string): string | undefined {
  if (PATH_SEGMENT_NAMED_KINDS.has(kind)) {
    return name === "" || name === "." || name === ".." || /[/%]/.test(name) ? `"${name}" is no path segment` : undefined;
  }
  if (LABEL_NAMED_KINDS.has(kind)) {
    if (name.length > DNS1123_LABEL_MAX) return `is ${name.length} characters; a ${kind} name is a DNS-1123 label of at most ${DNS1123_LABEL_MAX}`;
    return DNS1123_LABEL.test(name) ? undefined : `"${name}" is no DNS-1123 label (lowercase letters, digits and '-')`;
  }
  if (name.length > DNS1123_SUBDOMAIN_MAX) return `is ${name.length} characters; a ${kind} name is a DNS-1123 subdomain of at most ${DNS1123_SUBDOMAIN_MAX}`;
  return DNS1123_SUBDOMAIN.test(name) ? undefined : `"${name}" is no DNS-1123 subdomain (lowercase letters, digits, '-' and '.')`;
}

/** Why the API server refuses a label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > LABEL_VALUE_MAX) return `is ${value.length} characters; label values are at most ${LABEL_VALUE_MAX}`;
  return LABEL_VALUE.test(value) ? undefined : `"${value}" is no label value (letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`;
}

/**
 * Kinds that live outside any namespace (`kubectl api-resources --namespaced=false` on
 * Kubernetes 1.33, plus the cluster-scoped kinds of common add-ons). Any other Kubernetes kind,
 * custom resources included, is taken as namespaced: the platform creates no other cluster-scoped
 * custom resources, and one added later fails this rule loudly rather than passing silently.
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ComponentStatus",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "APIService",
  "PriorityClass",
  "StorageClass",
  "CSIDriver",
  "CSINode",
  "VolumeAttachment",
  "VolumeAttributesClass",
  "IngressClass",
  "RuntimeClass",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "MutatingAdmissionPolicy",
  "MutatingAdmissionPolicyBinding",
  "CertificateSigningRequest",
  "ClusterTrustBundle",
  "FlowSchema",
  "PriorityLevelConfiguration",
  "IPAddress",
  "ServiceCIDR",
  "DeviceClass",
  "GatewayClass",
  "ClusterIssuer",
  "CiliumClusterwideNetworkPolicy",
]);
