import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { GUARDRAIL_LABEL } from "../components/kubernetes/labels";
import { RECONCILER_SERVICE_ACCOUNT, Tenant, TenantArgs } from "../components/tenant/namespace";
import { tenantRuleEscalation } from "../components/tenant/namespace-policy";
import { vaultServerEndpoint } from "../components/kubernetes/vault";
import { flaggerScraper } from "../components/kubernetes/flagger";
import { validateKubernetesObjects } from "../synth/validate";
import { run, TestRun } from "./helpers";

const ADMIN_GROUP = "0b7e8c3a-1f2d-4e5a-9b6c-7d8e9f0a1b2c";
const VIEWER_GROUP = "5c4d3e2f-1a0b-4c9d-8e7f-6a5b4c3d2e1f";

function tenantArgs(provider: k8s.Provider, overrides: Partial<TenantArgs> = {}): TenantArgs {
  return {
    provider,
    name: "team-a",
    namespace: "team-a-dev",
    environment: "dev",
    groups: { admins: [ADMIN_GROUP], viewers: [VIEWER_GROUP] },
    quota: { cpu: "4", memory: "8Gi", pods: 50 },
    limits: { defaultCpu: "500m", defaultMemory: "512Mi", defaultRequestCpu: "100m", defaultRequestMemory: "128Mi" },
    ...overrides,
  };
}

async function runTenant(overrides: Partial<TenantArgs> = {}): Promise<TestRun> {
  return run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const tenant = new Tenant("team-a", tenantArgs(provider, overrides));
    return { namespace: tenant.namespace, serviceAccountName: tenant.serviceAccountName };
  });
}

type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };
const objects = (r: TestRun, kind: string) => r.resources.filter((x) => x.custom && x.values.kind === kind).map((x) => x.values as Obj);
const named = (r: TestRun, kind: string, name: string) => {
  const found = objects(r, kind).filter((o) => o.metadata.name === name);
  assert.equal(found.length, 1, `one ${kind} ${name}`);
  return found[0];
};

test("namespace carries the tenant, environment and Pod Security restricted labels", async () => {
  const r = await runTenant();
  const ns = named(r, "Namespace", "team-a-dev");
  const labels = ns.metadata.labels!;
  assert.equal(labels["toolkit.fluxcd.io/tenant"], "team-a");
  assert.equal(labels["gitops-platform/tenant"], "team-a");
  assert.equal(labels["gitops-platform/environment"], "dev");
  for (const mode of ["enforce", "warn", "audit"]) assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
  assert.deepEqual(r.outputs, { namespace: "team-a-dev", serviceAccountName: RECONCILER_SERVICE_ACCOUNT });
});

test("the reconciler is bound to a namespaced Role without RBAC, escalation verbs or cluster scope", async () => {
  const r = await runTenant();
  const sa = named(r, "ServiceAccount", RECONCILER_SERVICE_ACCOUNT);
  assert.equal(sa.metadata.namespace, "team-a-dev");
  const role = named(r, "Role", RECONCILER_SERVICE_ACCOUNT) as Obj & { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
  const groups = role.rules.flatMap((rule) => rule.apiGroups);
  for (const g of ["", "apps", "batch", "networking.k8s.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io"]) assert.ok(groups.includes(g), g);
  assert.ok(!groups.includes("rbac.authorization.k8s.io"), "no RBAC API");
  assert.ok(!groups.includes("*"));
  const verbs = role.rules.flatMap((rule) => rule.verbs);
  for (const v of ["*", "escalate", "bind", "impersonate"]) assert.ok(!verbs.includes(v), v);
  const core = role.rules.filter((rule) => rule.apiGroups.includes(""));
  assert.ok(core.every((rule) => !rule.resources.includes("*")), "core resources are listed");
  const quotaRule = core.find((rule) => rule.resources.includes("resourcequotas"))!;
  assert.deepEqual(quotaRule.verbs, ["get", "list", "watch"], "the quota is read-only to the tenant");

  const binding = named(r, "RoleBinding", RECONCILER_SERVICE_ACCOUNT) as Obj & { roleRef: object; subjects: object[] };
  assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: RECONCILER_SERVICE_ACCOUNT });
  assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: RECONCILER_SERVICE_ACCOUNT, namespace: "team-a-dev" }]);
  assert.equal(objects(r, "ClusterRoleBinding").length, 0);
  assert.equal(objects(r, "ClusterRole").length, 0);
});

test("Entra groups get admin and view through RoleBindings in the namespace, by object id", async () => {
  const r = await runTenant();
  const admins = named(r, "RoleBinding", "tenant-admins") as Obj & { roleRef: object; subjects: object[] };
  assert.equal(admins.metadata.namespace, "team-a-dev");
  assert.deepEqual(admins.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" });
  assert.deepEqual(admins.subjects, [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: ADMIN_GROUP }]);
  const viewers = named(r, "RoleBinding", "tenant-views") as Obj & { roleRef: { name: string }; subjects: { name: string }[] };
  assert.equal(viewers.roleRef.name, "view");
  assert.deepEqual(viewers.subjects.map((s) => s.name), [VIEWER_GROUP]);
});

test("no binding for an empty group list", async () => {
  const r = await runTenant({ groups: { admins: [ADMIN_GROUP], viewers: [] } });
  const names = objects(r, "RoleBinding").map((b) => b.metadata.name).sort();
  assert.deepEqual(names, [RECONCILER_SERVICE_ACCOUNT, "tenant-admins"]);
});

test("quota caps requests and limits, and the LimitRange gives containers defaults", async () => {
  const r = await runTenant({ quota: { cpu: "6", memory: "12Gi", pods: 80 } });
  const quota = named(r, "ResourceQuota", "tenant-quota") as Obj & { spec: { hard: Record<string, string> } };
  assert.deepEqual(quota.spec.hard, { "requests.cpu": "6", "requests.memory": "12Gi", "limits.cpu": "6", "limits.memory": "12Gi", pods: "80", persistentvolumeclaims: "10", "requests.storage": "100Gi", "services.loadbalancers": "0", "services.nodeports": "0" });
  const limits = named(r, "LimitRange", "tenant-limits") as Obj & { spec: { limits: object[] } };
  assert.deepEqual(limits.spec.limits, [
    { type: "Container", default: { cpu: "500m", memory: "512Mi" }, defaultRequest: { cpu: "100m", memory: "128Mi" } },
  ]);
});

test("network policies: default-deny ingress, same-namespace ingress, DNS egress to kube-system", async () => {
  const r = await runTenant();
  type Policy = Obj & { spec: { podSelector: object; policyTypes: string[]; ingress?: unknown[]; egress?: { to: unknown[]; ports?: unknown[] }[] } };
  const policy = (name: string) => named(r, "NetworkPolicy", name) as Policy;
  const deny = policy("default-deny-ingress");
  assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress"] }, "selects every pod, allows nothing");
  assert.deepEqual(policy("allow-same-namespace-ingress").spec.ingress, [{ from: [{ podSelector: {} }] }]);
  const dns = policy("allow-dns-egress");
  assert.deepEqual(dns.spec.policyTypes, ["Egress"]);
  assert.deepEqual(dns.spec.egress![0].ports, [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ]);
  assert.deepEqual(dns.spec.egress![0].to, [
    { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } },
  ]);
  assert.deepEqual(policy("allow-same-namespace-egress").spec.egress, [{ to: [{ podSelector: {} }] }]);
  assert.ok(!objects(r, "NetworkPolicy").some((p) => p.metadata.name.includes("flux-system")), "no Flux ingress unless asked");
  for (const p of objects(r, "NetworkPolicy")) assert.equal(p.metadata.namespace, "team-a-dev");
});

test("with Vault, restricted egress admits Vault's server pods on 8200 and nothing else of Vault's namespace", async () => {
  const without = await runTenant();
  assert.ok(!objects(without, "NetworkPolicy").some((p) => p.metadata.name === "allow-vault-egress"), "no Vault, no allowance");

  const r = await runTenant({ vaultEgress: vaultServerEndpoint() });
  const vault = named(r, "NetworkPolicy", "allow-vault-egress") as Obj & { spec: object };
  assert.deepEqual(vault.spec, {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [
      {
        // One peer with both selectors: the server pods in the vault namespace (not the injector, not any pod there).
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "vault" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": "vault", component: "server" } },
          },
        ],
        ports: [{ protocol: "TCP", port: 8200 }],
      },
    ],
  });
  assert.equal(vault.metadata.labels![GUARDRAIL_LABEL], "true", "the tenant cannot edit it away");

  const open = await runTenant({ restrictEgress: false, vaultEgress: vaultServerEndpoint() });
  assert.ok(!objects(open, "NetworkPolicy").some((p) => p.metadata.name === "allow-vault-egress"), "open egress needs no allowance");
});

test("the reconciler manages SecretProviderClasses and what reconcilerAccess adds, no more", async () => {
  type Rules = { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
  const base = named(await runTenant(), "Role", RECONCILER_SERVICE_ACCOUNT) as Obj & Rules;
  assert.ok(base.rules.some((rule) => rule.apiGroups.includes("secrets-store.csi.x-k8s.io") && rule.resources.includes("secretproviderclasses")));
  assert.ok(!base.rules.some((rule) => rule.apiGroups.includes("flagger.app")));
  for (const rule of base.rules) assert.equal(tenantRuleEscalation(rule), undefined, JSON.stringify(rule));

  const canaries = { apiGroups: ["flagger.app"], resources: ["canaries"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] };
  const grown = named(await runTenant({ reconcilerAccess: { extraRules: [canaries] } }), "Role", RECONCILER_SERVICE_ACCOUNT) as Obj & Rules;
  assert.deepEqual(grown.rules, [...base.rules, canaries]);
});

test("tenantRuleEscalation refuses RBAC, escalation verbs, cluster-scoped kinds and token minting; reading the quota is fine", () => {
  const rule = (apiGroups: string[], resources: string[], verbs = ["get", "create"]) => ({ apiGroups, resources, verbs });
  assert.match(tenantRuleEscalation(rule(["rbac.authorization.k8s.io"], ["roles"]))!, /RBAC/);
  assert.match(tenantRuleEscalation(rule(["*"], ["*"]))!, /every API group/);
  for (const verb of ["escalate", "bind", "impersonate", "*", "proxy"]) assert.ok(tenantRuleEscalation(rule([""], ["pods"], [verb]))!.startsWith(`verbs ${verb} are not allowed`), verb);
  assert.match(tenantRuleEscalation(rule(["admissionregistration.k8s.io"], ["validatingadmissionpolicies"]))!, /cluster-scoped/);
  assert.match(tenantRuleEscalation(rule([""], ["namespaces"]))!, /cluster-scoped/);
  assert.match(tenantRuleEscalation(rule([""], ["serviceaccounts/token"]))!, /tokens/);
  assert.match(tenantRuleEscalation(rule([""], ["resourcequotas"], ["patch"]))!, /quota/);
  assert.equal(tenantRuleEscalation(rule([""], ["resourcequotas", "limitranges"], ["get", "list", "watch"])), undefined);
  assert.equal(tenantRuleEscalation(rule(["monitoring.coreos.com"], ["servicemonitors", "prometheusrules"])), undefined);
  assert.equal(tenantRuleEscalation(rule(["flagger.app"], ["*"])), undefined);
});

test("open egress has one egress policy, which leaves out the metadata address; allowIngressFromFlux admits the Flux namespace only", async () => {
  const r = await runTenant({ restrictEgress: false, allowIngressFromFlux: true, fluxNamespace: "flux" });
  const policies = objects(r, "NetworkPolicy") as (Obj & { spec: { policyTypes: string[]; ingress?: { from: unknown[] }[] } })[];
  assert.deepEqual(policies.filter((p) => p.spec.policyTypes.includes("Egress")).map((p) => p.metadata.name), ["allow-egress-except-metadata"]);
  const flux = policies.find((p) => p.metadata.name === "allow-ingress-from-flux")!;
  assert.deepEqual(flux.spec.ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "flux" } } }] }]);
});

test("every object uses the given provider, lives in the namespace after it exists, and passes its schema", async () => {
  const r = await runTenant();
  const provider = r.one("pulumi:providers:kubernetes");
  const ns = r.one("kubernetes:core/v1:Namespace");
  const kube = r.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:"));
  assert.equal(kube.length, 16);
  const clusterScoped = (x: { type: string }) => x === ns || x.type.startsWith("kubernetes:admissionregistration.k8s.io/");
  for (const x of kube) {
    assert.equal(x.provider, provider.urn, x.name);
    if (!clusterScoped(x)) assert.ok(x.dependencies.includes(ns.urn), `${x.name} waits for the namespace`);
  }
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});

test("tenants cannot edit or delete the platform's network policies: an admission policy denies their service accounts and admin groups", async () => {
  const r = await runTenant();
  const policies = objects(r, "NetworkPolicy");
  assert.ok(policies.length >= 4);
  for (const p of policies) assert.equal(p.metadata.labels?.[GUARDRAIL_LABEL], "true", `${p.metadata.name} is marked as the platform's`);

  const admission = named(r, "ValidatingAdmissionPolicy", "tenant-guardrails-team-a-dev") as unknown as {
    spec: { failurePolicy: string; matchConstraints: { resourceRules: Record<string, string[]>[] }; matchConditions: { expression: string }[]; validations: { expression: string }[] };
  };
  assert.equal(admission.spec.failurePolicy, "Fail");
  // What the CEL admits and refuses is evaluated for real in test/admission-guardrails.test.ts.
  assert.deepEqual(admission.spec.matchConstraints.resourceRules, [
    { apiGroups: ["*"], apiVersions: ["*"], resources: ["*"], operations: ["CREATE", "UPDATE", "DELETE"] },
  ]);

  const binding = named(r, "ValidatingAdmissionPolicyBinding", "tenant-guardrails-team-a-dev") as unknown as {
    spec: { policyName: string; validationActions: string[]; matchResources: { namespaceSelector: { matchLabels: Record<string, string> } } };
  };
  assert.equal(binding.spec.policyName, "tenant-guardrails-team-a-dev");
  assert.deepEqual(binding.spec.validationActions, ["Deny"]);
  assert.deepEqual(binding.spec.matchResources.namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "team-a-dev" });
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const reconcilerRole = (r: TestRun) => named(r, "Role", RECONCILER_SERVICE_ACCOUNT) as Obj & { rules: Rule[] };

test("without opt-ins the reconciler gets no image automation and no Flagger kinds", async () => {
  const role = reconcilerRole(await runTenant());
  const groups = role.rules.flatMap((rule) => rule.apiGroups);
  assert.ok(!groups.includes("image.toolkit.fluxcd.io"), "image automation is opt-in");
  assert.ok(!groups.includes("flagger.app"), "canaries only when Flagger is on");
});

test("reconcilerAccess.imageAutomation adds the image API group; canaries adds Flagger's tenant kinds only", async () => {
  const role = reconcilerRole(await runTenant({ reconcilerAccess: { imageAutomation: true, canaries: true } }));
  const image = role.rules.filter((rule) => rule.apiGroups.includes("image.toolkit.fluxcd.io"));
  // Its kinds by name: "*" would match their status too (issue 22, item 8).
  assert.deepEqual(image, [{ apiGroups: ["image.toolkit.fluxcd.io"], resources: ["imagerepositories", "imagepolicies", "imageupdateautomations"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"] }]);
  const flagger = role.rules.filter((rule) => rule.apiGroups.includes("flagger.app"));
  assert.equal(flagger.length, 1);
  assert.deepEqual(flagger[0].resources, ["canaries", "metrictemplates", "alertproviders"]);
  assert.ok(!flagger[0].verbs.includes("*"));
});

test("allowIngressFromAddons admits each add-on's pods (Flagger's Prometheus), not its whole namespace", async () => {
  const r = await runTenant({ allowIngressFromAddons: [flaggerScraper()] });
  const policies = objects(r, "NetworkPolicy") as (Obj & { spec: { ingress?: { from: unknown[] }[] } })[];
  const addon = policies.filter((p) => p.metadata.name.startsWith("allow-ingress-from-"));
  assert.deepEqual(
    addon.map((p) => [p.metadata.name, p.spec.ingress]),
    [
      [
        "allow-ingress-from-flagger-prometheus",
        [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "flagger-system" } },
                podSelector: { matchLabels: { "app.kubernetes.io/name": "flagger-prometheus" } },
              },
            ],
          },
        ],
      ],
    ],
  );
  assert.equal(addon[0].metadata.labels?.[GUARDRAIL_LABEL], "true", "a platform policy the tenant cannot change");
});
