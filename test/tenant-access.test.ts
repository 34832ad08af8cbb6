/**
 * Issue 22, item 8: what a tenant's Role may grant. The attacks: a tenant's extraApiAccess asks for
 * token minting, quota status or Flux status (directly, through `*\/status`, or through `*`), or
 * for cluster-scoped kinds a Role cannot grant; and the platform's own reconciler Role granted
 * Flux kinds through `*`, status included (a source's status.artifact is what the appliers fetch).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FLUX_API_GROUPS, FLUX_TENANT_RESOURCES, IMAGE_API_GROUP, reconcilerRules, WRITE_VERBS } from "../components/tenant/namespace-policy";
import { evaluatePolicies } from "../policy/evaluate";
import { tenantRolesCannotEscalate } from "../policy/rules/kubernetes";
import { CheckedResource } from "../policy/types";
import { pluralResource, tenantAccessReach } from "../stacks/rules-tenant-access";
import { Platform, problemsOf, refusedAt } from "./config-probe";

const FLUX_GROUPS = [...FLUX_API_GROUPS, IMAGE_API_GROUP];

test("the reconciler Role lists Flux's kinds and grants none of their status, with every opt-in on", () => {
  const rules = reconcilerRules({ imageAutomation: true, canaries: true, sealedSecrets: true, extraRules: [] });
  for (const group of FLUX_GROUPS) {
    const granted = rules.filter((rule) => rule.apiGroups.includes(group) || rule.apiGroups.includes("*")).flatMap((rule) => rule.resources);
    assert.deepEqual(granted.sort(), [...FLUX_TENANT_RESOURCES[group]].sort(), group);
    assert.ok(!granted.some((resource) => resource === "*" || resource.endsWith("/status") || resource.startsWith("*/")), `${group}: ${granted.join(", ")}`);
  }
  for (const rule of rules) assert.deepEqual(tenantAccessReach(rule), [], JSON.stringify(rule));
});

/** A tenant namespace, a Role with `rules` in it and a RoleBinding of it to the tenant's reconciler. */
function tenantRoleGraph(rules: unknown[]): CheckedResource[] {
  const resource = (type: string, name: string, props: Record<string, unknown>): CheckedResource => ({ urn: `urn:pulumi:dev::gitops-platform::${type}::${name}`, type, name, props, protect: false });
  return [
    resource("kubernetes:core/v1:Namespace", "web-ns", { metadata: { name: "web", labels: { "toolkit.fluxcd.io/tenant": "web" } } }),
    resource("kubernetes:rbac.authorization.k8s.io/v1:Role", "web-reconciler", { metadata: { name: "flux-reconciler", namespace: "web" }, rules }),
    resource("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "web-reconciler", {
      metadata: { name: "flux-reconciler", namespace: "web" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "flux-reconciler" },
      subjects: [{ kind: "ServiceAccount", name: "flux-reconciler", namespace: "web" }],
    }),
  ];
}

test("policy tenant-roles-cannot-escalate refuses a tenant Role that grants Flux or core status, by * or by name; the reconciler's own rules pass", () => {
  const context = { environment: "dev", production: false };
  const findings = (rules: unknown[]) => evaluatePolicies(tenantRoleGraph(rules), context, [tenantRolesCannotEscalate]).map((f) => f.message);
  assert.deepEqual(findings(reconcilerRules({ imageAutomation: true, canaries: true, sealedSecrets: true })), []);
  // The Role as it was: Flux's groups with resources "*".
  assert.match(findings([{ apiGroups: FLUX_API_GROUPS, resources: ["*"], verbs: WRITE_VERBS }]).join("\n"), /"\*" \(every resource of source\.toolkit\.fluxcd\.io.*lets the tenant write status/);
  assert.match(findings([{ apiGroups: [IMAGE_API_GROUP], resources: ["*"], verbs: WRITE_VERBS }]).join("\n"), /image\.toolkit\.fluxcd\.io lets the tenant write status/);
  assert.match(findings([{ apiGroups: ["source.toolkit.fluxcd.io"], resources: ["gitrepositories/status"], verbs: ["patch"] }]).join("\n"), /"gitrepositories\/status"/);
  assert.match(findings([{ apiGroups: [""], resources: ["resourcequotas/status"], verbs: ["update"] }]).join("\n"), /quota admission/);
  // Reading status is harmless.
  assert.deepEqual(findings([{ apiGroups: ["kustomize.toolkit.fluxcd.io"], resources: ["kustomizations/status"], verbs: ["get", "list", "watch"] }]), []);
});

test("pluralResource names kinds as RBAC does", () => {
  assert.deepEqual(
    ["Namespace", "Node", "PersistentVolume", "IngressClass", "ComponentStatus", "PriorityClass", "APIService", "IPAddress", "CiliumClusterwideNetworkPolicy", "DeviceClass"].map(pluralResource),
    ["namespaces", "nodes", "persistentvolumes", "ingressclasses", "componentstatuses", "priorityclasses", "apiservices", "ipaddresses", "ciliumclusterwidenetworkpolicies", "deviceclasses"],
  );
});

const web = (p: Platform) => p.tenants[0];
const withAccess = (...rules: { apiGroups: string[]; resources: string[]; verbs?: string[] }[]) => (p: Platform) => (web(p).extraApiAccess = rules);
const at = (j: number, k: number) => `tenants[0].extraApiAccess[${j}].resources[${k}]`;

test("item 8: extraApiAccess refuses token minting in every form, at the resource's key path", () => {
  refusedAt(withAccess({ apiGroups: [""], resources: ["serviceaccounts/token"] }), at(0, 0), /mints service account tokens/);
  refusedAt(withAccess({ apiGroups: [""], resources: ["configmaps", "*/token"], verbs: ["create"] }), at(0, 1), /mints service account tokens/);
  refusedAt(withAccess({ apiGroups: ["flagger.app"], resources: ["canaries"] }, { apiGroups: ["example.com"], resources: ["*/token"], verbs: ["get"] }), at(1, 0), /serviceaccounts\/token/);
  refusedAt(withAccess({ apiGroups: [""], resources: ["*"], verbs: ["create"] }), at(0, 0), /serviceaccounts\/token among them/);
});

test("item 8: extraApiAccess refuses writing quota, core and Flux status, by name, by */status and by *", () => {
  refusedAt(withAccess({ apiGroups: [""], resources: ["resourcequotas/status"] }), at(0, 0), /resourcequotas\/status holds the quota/);
  refusedAt(withAccess({ apiGroups: [""], resources: ["*/status"], verbs: ["patch"] }), at(0, 0), /quota admission/);
  refusedAt(withAccess({ apiGroups: [""], resources: ["services/status"], verbs: ["update"] }), at(0, 0), /lets the tenant write status/);
  refusedAt(withAccess({ apiGroups: ["monitoring.coreos.com", ""], resources: ["servicemonitors", "pods/status"] }), at(0, 1), /in the core group lets the tenant write status/);
  refusedAt(withAccess({ apiGroups: ["source.toolkit.fluxcd.io"], resources: ["gitrepositories/status"] }), at(0, 0), /status\.artifact/);
  refusedAt(withAccess({ apiGroups: ["kustomize.toolkit.fluxcd.io"], resources: ["*/status"] }), at(0, 0), /Flux's controllers write it/);
  refusedAt(withAccess({ apiGroups: ["helm.toolkit.fluxcd.io"], resources: ["*"] }), at(0, 0), /"\*" \(every resource of helm\.toolkit\.fluxcd\.io/);
  refusedAt(withAccess({ apiGroups: [IMAGE_API_GROUP], resources: ["*"], verbs: ["update"] }), at(0, 0), /name the kinds themselves/);
  // Reading status, and the status of a kind no platform control trusts, are fine.
  assert.deepEqual(problemsOf(withAccess({ apiGroups: [""], resources: ["resourcequotas/status", "pods/status"], verbs: ["get", "list", "watch"] })), []);
  assert.deepEqual(problemsOf(withAccess({ apiGroups: ["flagger.app"], resources: ["*"] }, { apiGroups: ["source.toolkit.fluxcd.io"], resources: ["gitrepositories"] })), []);
});

test("item 8: extraApiAccess refuses cluster-scoped kinds a Role cannot grant, in any group, with or without a subresource", () => {
  // Groups tenantRuleEscalation refuses as a whole (rbac, apiextensions, storage) fail at the rule; these fail at the resource.
  refusedAt(withAccess({ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list"] }), at(0, 0), /cluster-scoped kind/);
  refusedAt(withAccess({ apiGroups: [""], resources: ["pods", "namespaces/finalize"], verbs: ["update"] }), at(0, 1), /cluster-scoped kind/);
  refusedAt(withAccess({ apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get"] }), at(0, 0), /cluster-scoped kind/);
  refusedAt(withAccess({ apiGroups: ["networking.k8s.io"], resources: ["ingresses", "ingressclasses"] }), at(0, 1), /cluster-scoped/);
  refusedAt(withAccess({ apiGroups: ["metrics.k8s.io"], resources: ["nodes"], verbs: ["get"] }), at(0, 0), /cluster-scoped/);
  refusedAt(withAccess({ apiGroups: ["cilium.io"], resources: ["ciliumclusterwidenetworkpolicies"] }), at(0, 0), /cluster-scoped/);
  refusedAt(withAccess({ apiGroups: ["cert-manager.io"], resources: ["certificates", "clusterissuers"] }), at(0, 1), /cluster-scoped/);
  refusedAt(withAccess({ apiGroups: ["kyverno.io"], resources: ["clusterpolicies"] }), at(0, 0), /Cluster\* kind/);
  refusedAt(withAccess({ apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshots", "volumesnapshotcontents"] }), at(0, 1), /cluster-scoped/);
  refusedAt(withAccess({ apiGroups: ["gateway.networking.k8s.io"], resources: ["gatewayclasses"] }), at(0, 0), /cluster-scoped/);
  refusedAt(withAccess({ apiGroups: [""], resources: ["pods/*"], verbs: ["get"] }), at(0, 0), /matches no subresource/);
  assert.deepEqual(problemsOf(withAccess({ apiGroups: ["cert-manager.io"], resources: ["certificates", "issuers"] }, { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshots"] })), []);
});
