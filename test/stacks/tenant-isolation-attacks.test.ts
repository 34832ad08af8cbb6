/**
 * Attacks on tenant isolation through Flux (issue 13, items 1 and 2), played against the real dev
 * stack (two tenants, web and api). Each test states the attack and asserts that it fails; on the
 * commit before the fix each of them failed, showing the attack worked.
 *
 * The tests read only what synth renders (the Kustomizations, the flux2 chart values, the
 * federated credentials, role assignments and keys, the stack outputs) and model the chart and
 * the controllers themselves, independently of the code under test.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { BUILT_IN_ROLES } from "../../components/azure/role-ids";
import { evaluatePolicies, PLATFORM_POLICIES } from "../../policy/evaluate";
import { checkedFromRecord } from "../../policy/from-synth";
import { RecordedResource } from "../../synth/engine";
import { PROJECT_ROOT, synthesize } from "../../synth/synthesize";
import { pinTestDay, TestRun, withFinders } from "../helpers";

pinTestDay();

const KUSTOMIZATION = "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential";
const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";
const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const KEY = "azure-native:keyvault:Key";

/** Built-in roles whose data actions include keys/decrypt/action. */
const DECRYPTING_ROLES = new Set<string>([
  BUILT_IN_ROLES["Key Vault Crypto User"],
  BUILT_IN_ROLES["Key Vault Crypto Officer"],
  BUILT_IN_ROLES["Key Vault Administrator"],
]);

let dev: Promise<TestRun> | undefined;
const devStack = () => (dev ??= synthesize({ stack: "dev" }).then(({ run }) => withFinders(run)));

interface Meta {
  name: string;
  namespace: string;
}
const meta = (r: RecordedResource) => r.values.metadata as Meta;

// Chart values as the templates read them: any depth, any shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Values = Record<string, any>;

/** The flux2 Helm release's values. */
function fluxValues(run: TestRun): Values {
  const release = run.ofType(RELEASE).find((r) => r.values.chart === "flux2");
  assert.ok(release, "the stack installs Flux with the flux2 chart");
  return (release.values.values ?? {}) as Values;
}

/**
 * The arguments the fluxcd-community flux2 chart 2.18.x gives a controller container, from its
 * templates (charts/flux2/templates/<controller>.yaml): `multitenancy.enabled` adds
 * --no-cross-namespace-refs=true to kustomize, helm, notification and the image controllers and
 * --default-service-account=<multitenancy.defaultServiceAccount> to kustomize and helm; every
 * controller then gets `<key>.container.additionalArgs`.
 */
function renderedArgs(values: Values, key: string): string[] {
  const args: string[] = [];
  const multitenancy = values.multitenancy?.enabled === true;
  if (multitenancy && key !== "sourceController") args.push("--no-cross-namespace-refs=true");
  if (multitenancy && (key === "kustomizeController" || key === "helmController")) {
    args.push(`--default-service-account=${values.multitenancy.defaultServiceAccount || "default"}`);
  }
  return [...args, ...((values[key]?.container?.additionalArgs ?? []) as string[])];
}

/** The value of `--<flag>=` in a controller's arguments (the last one wins, as Go's flag package does). */
function flag(args: readonly string[], name: string): string | undefined {
  const found = args.filter((a) => a.startsWith(`--${name}=`));
  return found.length > 0 ? found[found.length - 1].slice(name.length + 3) : undefined;
}

function objectLevelIdentity(args: readonly string[]): boolean {
  return args.some((a) => a.startsWith("--feature-gates=") && a.slice("--feature-gates=".length).split(",").includes("ObjectLevelWorkloadIdentity=true"));
}

/**
 * The Kubernetes service account whose token kustomize-controller exchanges for an Azure token
 * when it decrypts for this Kustomization (kustomize-controller docs/spec/v1/kustomizations.md,
 * Decryption; fluxcd/pkg auth): `spec.decryption.serviceAccountName` in the object's namespace
 * (needs the ObjectLevelWorkloadIdentity gate), else the --default-decryption-service-account in
 * the object's namespace, else the controller's own account.
 */
function decryptingAccount(run: TestRun, kustomization: RecordedResource): string {
  const { namespace } = meta(kustomization);
  const args = renderedArgs(fluxValues(run), "kustomizeController");
  const named = (kustomization.values.spec as { decryption?: { serviceAccountName?: string } }).decryption?.serviceAccountName;
  if (objectLevelIdentity(args)) {
    const account = named ?? flag(args, "default-decryption-service-account");
    if (account) return `system:serviceaccount:${namespace}:${account}`;
  }
  return "system:serviceaccount:flux-system:kustomize-controller";
}

/** The principal id of the managed identity Entra lets this service account act as (its federated credential's subject). */
function principalOf(run: TestRun, subject: string): string | undefined {
  const credential = run.ofType(CREDENTIAL).find((c) => c.values.subject === subject);
  if (!credential) return undefined;
  const identity = run.ofType(IDENTITY).find((i) => i.outputs.name === credential.values.resourceName);
  return identity ? String(identity.outputs.principalId) : undefined;
}

/** The scopes on which a principal may decrypt with Key Vault keys. */
function decryptScopes(run: TestRun, principalId: string): string[] {
  return run
    .ofType(ASSIGNMENT)
    .filter((a) => a.values.principalId === principalId && DECRYPTING_ROLES.has(String(a.values.roleDefinitionId).split("/").pop()!))
    .map((a) => String(a.values.scope));
}

/** The Key Vault key a tenant's `.sops.yaml` (the stack output it is told to use) encrypts with. */
function keyOfSopsConfig(run: TestRun, tenant: string): RecordedResource {
  const tenants = (run.outputs.tenants ?? {}) as Record<string, { sopsConfig?: string }>;
  const text = tenants[tenant]?.sopsConfig ?? (run.outputs.sopsConfig as string | undefined);
  assert.ok(text, `the stack gives tenant ${tenant} a .sops.yaml`);
  const uri = (parse(text) as { creation_rules: { azure_keyvault: string }[] }).creation_rules[0].azure_keyvault;
  const key = run.ofType(KEY).find((k) => k.outputs.keyUriWithVersion === uri);
  assert.ok(key, `a key of the stack has the URI ${uri}`);
  return key;
}

const covers = (scope: string, id: string) => id === scope || id.startsWith(`${scope.replace(/\/+$/, "")}/`);

function tenantKustomization(run: TestRun, namespace: string): RecordedResource {
  // The one that applies the tenant's Git repository (web also syncs an OCI artifact and a bucket).
  const found = run.ofType(KUSTOMIZATION).filter((k) => meta(k).namespace === namespace && (k.values.spec as { sourceRef: { kind: string } }).sourceRef.kind === "GitRepository");
  assert.equal(found.length, 1, `one Git Kustomization in ${namespace}`);
  return found[0];
}

test("attack: tenant web commits tenant api's ciphertext to its own repository; web's decryption identity cannot decrypt it", async () => {
  const run = await devStack();
  const web = tenantKustomization(run, "web");
  const apiKey = keyOfSopsConfig(run, "api");
  const webKey = keyOfSopsConfig(run, "web");
  const principal = principalOf(run, decryptingAccount(run, web));
  assert.ok(principal, "web's Kustomization decrypts as an identity of the stack");
  const scopes = decryptScopes(run, principal);
  assert.deepEqual(
    scopes.filter((scope) => covers(scope, String(apiKey.id))),
    [],
    "the identity that decrypts web's Kustomization can decrypt with the key in api's .sops.yaml",
  );
  assert.notEqual(apiKey.urn, webKey.urn, "api's .sops.yaml names another key than web's");
  assert.deepEqual(scopes, [webKey.id], "web's decryption identity may decrypt with web's key and nothing else");
});

test("attack: a tenant's Kustomization that names no decryption account still decrypts as its own tenant, never as the controller", async () => {
  const run = await devStack();
  for (const tenant of ["web", "api"]) {
    const own = tenantKustomization(run, tenant);
    const unnamed = { ...own, values: { ...own.values, spec: { ...(own.values.spec as object), decryption: { provider: "sops" } } } };
    const subject = decryptingAccount(run, unnamed);
    assert.match(subject, new RegExp(`^system:serviceaccount:${tenant}:`), `an unnamed decryption in ${tenant} uses an account of ${tenant}`);
    assert.equal(principalOf(run, subject), principalOf(run, decryptingAccount(run, own)), `and it is ${tenant}'s own decryption identity`);
  }
  // kustomize-controller itself has no Azure identity to fall back on.
  assert.equal(principalOf(run, "system:serviceaccount:flux-system:kustomize-controller"), undefined);
});

test("attack: web's Kustomization names some other account for decryption; no account web can name decrypts with api's key", async () => {
  // spec.decryption.serviceAccountName is a bare name, looked up in the Kustomization's own
  // namespace (the API has no namespace field for it), so web can only ever name accounts in web:
  // whatever Entra lets an account of web act as must not decrypt with another tenant's key.
  const run = await devStack();
  const apiKey = keyOfSopsConfig(run, "api");
  const webAccounts = run.ofType(CREDENTIAL).filter((c) => String(c.values.subject).startsWith("system:serviceaccount:web:"));
  for (const credential of webAccounts) {
    const scopes = decryptScopes(run, principalOf(run, String(credential.values.subject))!);
    assert.deepEqual(scopes.filter((scope) => covers(scope, String(apiKey.id))), [], `${String(credential.values.subject)} can decrypt with api's key`);
  }
  const named = tenantKustomization(run, "web");
  const other = { ...named, values: { ...named.values, spec: { ...(named.values.spec as object), decryption: { provider: "sops", serviceAccountName: "api/flux-decryption" } } } };
  assert.match(decryptingAccount(run, other), /^system:serviceaccount:web:/);
});

test("attack: a tenant Kustomization pulls a remote base; kustomize-controller refuses remote bases", async () => {
  const args = renderedArgs(fluxValues(await devStack()), "kustomizeController");
  assert.equal(flag(args, "no-remote-bases"), "true");
});

test("the multi-tenancy lockdown: every flag of Flux's lockdown on every controller the chart installs", async () => {
  const values = fluxValues(await devStack());
  const kustomize = renderedArgs(values, "kustomizeController");
  const helm = renderedArgs(values, "helmController");
  for (const [key, args] of Object.entries({
    kustomizeController: kustomize,
    helmController: helm,
    notificationController: renderedArgs(values, "notificationController"),
    imageReflectionController: renderedArgs(values, "imageReflectionController"),
    imageAutomationController: renderedArgs(values, "imageAutomationController"),
  })) {
    assert.equal(flag(args, "no-cross-namespace-refs"), "true", `${key}: --no-cross-namespace-refs`);
  }
  assert.equal(flag(kustomize, "default-service-account"), "flux-reconciler");
  assert.equal(flag(helm, "default-service-account"), "flux-reconciler");
  // Workload identity lockdown (fluxcd website, security/best-practices.md): defaults in the object's namespace.
  for (const key of ["kustomizeController", "helmController", "sourceController", "notificationController", "imageReflectionController", "imageAutomationController"]) {
    assert.ok(objectLevelIdentity(renderedArgs(values, key)), `${key}: ObjectLevelWorkloadIdentity`);
  }
  assert.ok(flag(kustomize, "default-decryption-service-account"));
  assert.ok(flag(kustomize, "default-kubeconfig-service-account"));
  assert.ok(flag(helm, "default-kubeconfig-service-account"));
  for (const key of ["sourceController", "notificationController", "imageReflectionController", "imageAutomationController"]) {
    assert.ok(flag(renderedArgs(values, key), "default-service-account"), `${key}: --default-service-account`);
  }
});

test("attack: the AKS extension cannot refuse remote bases, so a stack with tenants on it fails a mandatory policy", async () => {
  const document = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8"));
  document.config["gitops-platform:platform"].flux = { install: "aks-extension", sops: false };
  const file = path.join(mkdtempSync(path.join(tmpdir(), "attack-")), "dev.yaml");
  writeFileSync(file, stringify(document));
  const { run } = await synthesize({ stack: "dev", configFile: file });
  const findings = evaluatePolicies(run.resources.map(checkedFromRecord), { environment: "dev", production: false }, PLATFORM_POLICIES).filter(
    (f) => f.enforcement === "mandatory",
  );
  assert.ok(
    findings.some((f) => /no-remote-bases/.test(f.message)),
    `a mandatory finding names --no-remote-bases; got: ${findings.map((f) => f.message).join("; ") || "none"}`,
  );
});

/** The dev stack with tenant api given a vault and an application identity of its own, like web's. */
let withApiIdentity: Promise<TestRun> | undefined;
function devStackWithApiIdentity(): Promise<TestRun> {
  withApiIdentity ??= (async () => {
    const document = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8"));
    const api = document.config["gitops-platform:platform"].tenants.find((t: { name: string }) => t.name === "api");
    api.keyVault = { enabled: true };
    api.identities = [{ name: "orders", roles: [{ role: "Key Vault Secrets User", scope: "keyVault" }] }];
    const file = path.join(mkdtempSync(path.join(tmpdir(), "attack-")), "dev.yaml");
    writeFileSync(file, stringify(document));
    return withFinders((await synthesize({ stack: "dev", configFile: file })).run);
  })();
  return withApiIdentity;
}

/**
 * What Entra does with a token exchange (learn.microsoft.com, "Workload identity federation",
 * and the azure-workload-identity webhook, which only copies the annotation into AZURE_CLIENT_ID):
 * the pod asks for the identity whose client id it names, and Entra issues a token only if one of
 * that identity's federated credentials has the token's issuer and exactly its subject. The
 * subject is `system:serviceaccount:<namespace>:<name>`, set by the API server, not by the pod.
 */
function entraExchange(run: TestRun, subject: string, clientId: string): RecordedResource | undefined {
  const identity = run.ofType(IDENTITY).find((i) => i.outputs.clientId === clientId);
  if (!identity) return undefined;
  return run.ofType(CREDENTIAL).some((c) => c.values.resourceName === identity.outputs.name && c.values.subject === subject) ? identity : undefined;
}

test("attack: web's Git content writes api's client id into the annotation of a web ServiceAccount; Entra gives no web account api's identity", async () => {
  // The reconciler may create and update ServiceAccounts in web (reconcilerRules), so web's Git
  // content can annotate any account of web, the platform's included, with any client id.
  const run = await devStackWithApiIdentity();
  const outputs = run.outputs.tenants as Record<string, { identities: Record<string, { clientId: string; serviceAccounts: string[] }> }>;
  const apiClientIds = Object.values(outputs.api.identities).map((i) => i.clientId);
  assert.equal(apiClientIds.length, 1);
  const webAccounts = ["frontend-azure", "flux-oci", "flux-decryption", "flux-reconciler", "default", "orders", "anything-web-creates"];
  for (const account of webAccounts) {
    for (const clientId of apiClientIds) {
      assert.equal(entraExchange(run, `system:serviceaccount:web:${account}`, clientId), undefined, `web:${account} acts as api's identity ${clientId}`);
    }
  }
  // The exchange the platform set up does work: the model is not one that refuses everything.
  const webApp = outputs.web.identities["frontend-azure"];
  assert.ok(entraExchange(run, "system:serviceaccount:web:frontend-azure", webApp.clientId));
  assert.ok(entraExchange(run, "system:serviceaccount:api:orders", apiClientIds[0]));
  // And what api's identity may read is api's vault, never web's.
  const webVault = run.ofType("azure-native:keyvault:Vault").find((v) => (v.values.tags as Record<string, string>)["gitops-platform-tenant"] === "web")!;
  const apiPrincipal = run.ofType(IDENTITY).find((i) => i.outputs.clientId === apiClientIds[0])!.outputs.principalId;
  const apiScopes = run.ofType(ASSIGNMENT).filter((a) => a.values.principalId === apiPrincipal).map((a) => String(a.values.scope));
  assert.ok(apiScopes.length > 0);
  assert.deepEqual(apiScopes.filter((scope) => covers(String(webVault.id), scope) || covers(scope, String(webVault.id))), []);
  const findings = evaluatePolicies(run.resources.map(checkedFromRecord), { environment: "dev", production: false }, PLATFORM_POLICIES).filter((f) => f.enforcement === "mandatory");
  assert.deepEqual(findings, []);
});

test("attack: web's Git content points an OCIRepository at its application's account; source-controller cannot get that account's token", async () => {
  // An OCIRepository's serviceAccountName is a bare name in its own namespace; source-controller
  // asks the API server for that account's token (TokenRequest), which RBAC allows only for the
  // accounts the platform's Role names. The chart's ClusterRole gives it no serviceaccounts/token.
  const run = await devStack();
  const roles = run.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role").filter((r) => meta(r).namespace === "web");
  const bindings = run.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").filter((b) => meta(b).namespace === "web");
  const tokenAccounts = (controller: string) =>
    bindings
      .filter((b) => (b.values.subjects as { name: string; namespace: string }[]).some((s) => s.name === controller && s.namespace === "flux-system"))
      .flatMap((b) => roles.filter((r) => meta(r).name === (b.values.roleRef as { name: string }).name))
      .flatMap((r) => (r.values.rules as { resources: string[]; resourceNames?: string[]; verbs: string[] }[]).filter((rule) => rule.resources.includes("serviceaccounts/token") && rule.verbs.includes("create")))
      .flatMap((rule) => rule.resourceNames ?? ["*"]);
  assert.deepEqual(tokenAccounts("source-controller"), ["flux-oci"], "the account the config's azure sources name, and no other");
  assert.ok(!tokenAccounts("source-controller").includes("frontend-azure"));
  // And that account's identity pulls and reads sources only: no Key Vault role.
  const outputs = run.outputs.tenants as Record<string, { identities: Record<string, { clientId: string }> }>;
  const deployer = run.ofType(IDENTITY).find((i) => i.outputs.clientId === outputs.web.identities.deployer.clientId)!;
  const roleIds = run.ofType(ASSIGNMENT).filter((a) => a.values.principalId === deployer.outputs.principalId).map((a) => String(a.values.roleDefinitionId).split("/").pop());
  assert.deepEqual(roleIds.sort(), [BUILT_IN_ROLES["Storage Blob Data Reader"], BUILT_IN_ROLES.AcrPull].sort());
});
