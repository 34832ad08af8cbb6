/**
 * Attack tests for the tenant admission policies, their CEL evaluated for real (test/admission-cel.ts)
 * on the specs synth renders: a tenant's admins and service accounts try to create, change and
 * delete the platform's objects in their namespace, mint service-account token Secrets and borrow
 * the node's identity through a SecretProviderClass.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as github from "@pulumi/github";
import { Flux } from "../components/kubernetes/flux";
import { GitSource } from "../components/tenant/git-source";
import { GUARDRAIL_LABEL } from "../components/kubernetes/labels";
import { FluxSources } from "../components/tenant/sources";
import { Tenant } from "../components/tenant/namespace";
import { admit, AdmissionRequest, PolicySpec, teamTenantArgs } from "./admission-cel";
import { run, TestRun } from "./helpers";

const NAMESPACE = "team-a-dev";
const ADMIN_GROUP = "0b7e8c3a-1f2d-4e5a-9b6c-7d8e9f0a1b2c";
const TENANT_ADMIN = ["system:authenticated", ADMIN_GROUP];
const TENANT_RECONCILER = ["system:serviceaccounts", `system:serviceaccounts:${NAMESPACE}`, "system:authenticated"];
const PLATFORM_DEPLOYER = ["system:authenticated", "platform-admins"];

let rendered: Promise<TestRun> | undefined;
/** A tenant with Flux, a GitSource and Flux sources, as the platform wires them; rendered once. */
function runPlatformTenant(): Promise<TestRun> {
  rendered ??= run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const gh = new github.Provider("github", { owner: "acme" });
    const flux = new Flux("flux", {
      install: "helm",
      version: "2.18.3",
      multitenancy: true,
      cluster: { name: "aks-dev", resourceGroupName: "rg", oidcIssuerUrl: "https://issuer.example/", location: "westeurope", provider },
    });
    const tenant = new Tenant("team-a", {
      ...teamTenantArgs(provider, NAMESPACE, ADMIN_GROUP),
    });
    const fluxReady = [...flux.ready, ...tenant.ready];
    new GitSource(
      "team-a-git",
      { provider, repository: "acme/team-apps", branch: "main", path: "./envs/dev", interval: "5m", namespace: tenant.namespace, serviceAccountName: tenant.serviceAccountName, sops: false, fluxReady, clusterName: "aks-dev" },
      { providers: { github: gh } },
    );
    new FluxSources("team-a-sources", {
      provider,
      namespace: tenant.namespace,
      serviceAccountName: tenant.serviceAccountName,
      sops: false,
      fluxReady,
      helmReleases: [{ name: "podinfo", repository: "https://stefanprodan.github.io/podinfo", chart: "podinfo", version: "6.x", values: {}, interval: "10m" }],
    });
    return {};
  });
  return rendered;
}

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };
const k8sObjects = (r: TestRun) => r.resources.filter((x) => x.custom && typeof x.values.kind === "string").map((x) => x.values as K8sObject);

function policySpec(r: TestRun, name: string): PolicySpec {
  const found = k8sObjects(r).filter((o) => o.kind === "ValidatingAdmissionPolicy" && o.metadata.name === name);
  assert.equal(found.length, 1, `one ValidatingAdmissionPolicy ${name}`);
  return found[0].spec as PolicySpec;
}

function bindingSelectsTenant(r: TestRun, name: string): void {
  const found = k8sObjects(r).filter((o) => o.kind === "ValidatingAdmissionPolicyBinding" && o.metadata.name === name);
  assert.equal(found.length, 1, `one binding ${name}`);
  const spec = found[0].spec as { policyName: string; validationActions: string[]; matchResources: { namespaceSelector: { matchLabels: Record<string, string> } } };
  assert.equal(spec.policyName, name);
  assert.deepEqual(spec.validationActions, ["Deny"]);
  assert.deepEqual(spec.matchResources.namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": NAMESPACE });
}

/** The resource a request for `obj` names: group and plural as the API server reports them. */
function resourceOf(obj: K8sObject): AdmissionRequest["resource"] {
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
  const plural = obj.kind.toLowerCase().endsWith("y") ? `${obj.kind.toLowerCase().slice(0, -1)}ies` : `${obj.kind.toLowerCase()}s`;
  return { group, version, resource: plural };
}

/** The object as a tenant would send it back: one field changed, its labels as given. */
function edited(obj: K8sObject, labels: Record<string, string> | undefined): K8sObject {
  return { ...obj, metadata: { ...obj.metadata, labels }, spec: { tampered: true } };
}

const withoutGuardrail = (labels: Record<string, string> | undefined) => Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => k !== GUARDRAIL_LABEL));

test("every object the platform puts in a tenant namespace carries the guardrail label, and the guardrail binds to that namespace", async () => {
  const r = await runPlatformTenant();
  const inNamespace = k8sObjects(r).filter((o) => o.metadata.namespace === NAMESPACE);
  const kinds = new Set(inNamespace.map((o) => o.kind));
  for (const kind of ["ServiceAccount", "Role", "RoleBinding", "ResourceQuota", "LimitRange", "NetworkPolicy", "Secret", "GitRepository", "Kustomization", "HelmRelease", "HelmRepository"]) {
    assert.ok(kinds.has(kind), `the platform creates a ${kind} in the tenant namespace`);
  }
  for (const o of inNamespace) assert.equal(o.metadata.labels?.[GUARDRAIL_LABEL], "true", `${o.kind} ${o.metadata.name} is marked as the platform's`);
  bindingSelectsTenant(r, `tenant-guardrails-${NAMESPACE}`);
});

test("attack: a tenant admin or the tenant's reconciler creates, edits, unlabels or deletes a platform object in its namespace; refused for every kind, the platform deployer passes", async () => {
  const r = await runPlatformTenant();
  const guardrail = policySpec(r, `tenant-guardrails-${NAMESPACE}`);
  const owned = k8sObjects(r).filter((o) => o.metadata.namespace === NAMESPACE);
  for (const obj of owned) {
    const resource = resourceOf(obj);
    const what = `${obj.kind} ${obj.metadata.name}`;
    const attacks: [string, Omit<AdmissionRequest, "groups">][] = [
      ["delete", { operation: "DELETE", resource, oldObject: obj }],
      ["edit", { operation: "UPDATE", resource, oldObject: obj, object: edited(obj, obj.metadata.labels) }],
      ["drop the label and edit", { operation: "UPDATE", resource, oldObject: obj, object: edited(obj, withoutGuardrail(obj.metadata.labels)) }],
      ["create a look-alike", { operation: "CREATE", resource, object: obj }],
    ];
    for (const [attack, request] of attacks) {
      for (const groups of [TENANT_ADMIN, TENANT_RECONCILER]) {
        const verdict = await admit(guardrail, { ...request, groups });
        assert.equal(verdict.allowed, false, `${attack} ${what} as ${groups.join(",")} is refused`);
        if (!verdict.allowed) assert.match(verdict.message, /cannot be created, changed or deleted by the tenant/, `${attack} ${what}: refused by the validation, not by an error`);
      }
      assert.deepEqual(await admit(guardrail, { ...request, groups: PLATFORM_DEPLOYER }), { allowed: true, matched: true }, `the platform may ${attack} ${what}`);
    }
  }
});

test("the tenant's own objects stay the tenant's: create, edit, delete of unlabelled objects pass the guardrail", async () => {
  const guardrail = policySpec(await runPlatformTenant(), `tenant-guardrails-${NAMESPACE}`);
  const own: K8sObject = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "allow-web", namespace: NAMESPACE, labels: { app: "web" } }, spec: {} };
  const bare: K8sObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: NAMESPACE } };
  for (const obj of [own, bare]) {
    const resource = resourceOf(obj);
    for (const groups of [TENANT_ADMIN, TENANT_RECONCILER]) {
      assert.equal((await admit(guardrail, { operation: "CREATE", resource, object: obj, groups })).allowed, true);
      assert.equal((await admit(guardrail, { operation: "UPDATE", resource, oldObject: obj, object: edited(obj, obj.metadata.labels), groups })).allowed, true);
      assert.equal((await admit(guardrail, { operation: "DELETE", resource, oldObject: obj, groups })).allowed, true);
      // Claiming an own object for the platform is refused too (it would then pass for the platform's).
      const claimed = edited(obj, { ...obj.metadata.labels, [GUARDRAIL_LABEL]: "true" });
      assert.equal((await admit(guardrail, { operation: "UPDATE", resource, oldObject: obj, object: claimed, groups })).allowed, false);
    }
  }
});

const SECRETS = { group: "", version: "v1", resource: "secrets" };
const SPCS = { group: "secrets-store.csi.x-k8s.io", version: "v1", resource: "secretproviderclasses" };

test("attack: the tenant creates a service-account token Secret in its namespace; refused, whoever asks; other Secrets pass", async () => {
  const r = await runPlatformTenant();
  const policy = policySpec(r, `tenant-workloads-${NAMESPACE}`);
  bindingSelectsTenant(r, `tenant-workloads-${NAMESPACE}`);
  const token = {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/service-account-token",
    metadata: { name: "steal", namespace: NAMESPACE, annotations: { "kubernetes.io/service-account.name": "flux-reconciler" } },
  };
  for (const groups of [TENANT_ADMIN, TENANT_RECONCILER, PLATFORM_DEPLOYER]) {
    const verdict = await admit(policy, { operation: "CREATE", resource: SECRETS, object: token, groups });
    assert.equal(verdict.allowed, false, `as ${groups.join(",")}`);
    if (!verdict.allowed) assert.match(verdict.message, /service-account token Secrets cannot be created/);
  }
  for (const secret of [{ ...token, type: "Opaque" }, { apiVersion: "v1", kind: "Secret", metadata: { name: "untyped", namespace: NAMESPACE }, stringData: { a: "b" } }]) {
    assert.deepEqual(await admit(policy, { operation: "CREATE", resource: SECRETS, object: secret, groups: TENANT_ADMIN }), { allowed: true, matched: true }, secret.metadata.name);
  }
});

test("attack: a tenant SecretProviderClass sets useVMManagedIdentity (any case, any true form); refused; workload identity passes", async () => {
  const policy = policySpec(await runPlatformTenant(), `tenant-workloads-${NAMESPACE}`);
  const spc = (parameters: Record<string, string> | undefined) => ({
    apiVersion: "secrets-store.csi.x-k8s.io/v1",
    kind: "SecretProviderClass",
    metadata: { name: "kv", namespace: NAMESPACE },
    spec: { provider: "azure", ...(parameters ? { parameters } : {}) },
  });
  for (const value of ["true", "True", "TRUE", "tRuE", "1", "t", "T"]) {
    for (const operation of ["CREATE", "UPDATE"] as const) {
      const verdict = await admit(policy, { operation, resource: SPCS, object: spc({ useVMManagedIdentity: value, keyvaultName: "kv" }), oldObject: spc(undefined), groups: TENANT_RECONCILER });
      assert.equal(verdict.allowed, false, `${operation} useVMManagedIdentity: ${value}`);
      if (!verdict.allowed) assert.match(verdict.message, /node's managed identity/);
    }
  }
  const allowed: (Record<string, string> | undefined)[] = [undefined, { clientID: "00000000-0000-0000-0000-000000000001", keyvaultName: "kv" }, { useVMManagedIdentity: "false" }, { useVMManagedIdentity: "False" }];
  for (const parameters of allowed) {
    assert.deepEqual(await admit(policy, { operation: "CREATE", resource: SPCS, object: spc(parameters), groups: TENANT_ADMIN }), { allowed: true, matched: true }, JSON.stringify(parameters));
  }
});
