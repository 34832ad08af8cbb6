/**
 * Sealed Secrets in the real dev and prod stacks: off by default (nothing of it, no extra grant,
 * no tenant access), and on: policies and deploy rules pass, the certificate is a plain stack
 * output, the sealing private keys show nowhere in plain text, prod protects the keys, tenants'
 * reconcilers get SealedSecrets, and a new key generation or chart version replaces no key.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test, TestContext } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { SEALING_KEY_LABEL } from "../../components/kubernetes/sealed-secrets-config";
import { evaluatePolicies, policyContext } from "../../policy/evaluate";
import { checkedFromRecord } from "../../policy/from-synth";
import { DEPLOY_RULES } from "../../policy/deploy";
import { RecordedResource } from "../../synth/engine";
import { PlatformMocks } from "../../synth/mocks";
import { synthesize, SynthResult } from "../../synth/synthesize";
import { renderTree } from "../../synth/tree";
import { inlineStackDocument } from "../environments";
import { pinTestDay } from "../helpers";

pinTestDay();

const workdir = mkdtempSync(path.join(tmpdir(), "sealed-secrets-"));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Platform = Record<string, any>;

let counter = 0;
function stackFile(stack: "dev" | "prod", change: (p: Platform) => void): string {
  const document = inlineStackDocument(stack);
  change(document.config["gitops-platform:platform"]);
  const file = path.join(workdir, `Pulumi.${stack}-${++counter}.yaml`);
  writeFileSync(file, stringify(document));
  return file;
}

const on = (extra: Platform = {}) => (p: Platform) => (p.sealedSecrets = { enabled: true, ...extra });
const inSealedSecrets = (r: RecordedResource) => r.urn.includes("gitops-platform:kubernetes:SealedSecrets");
const roles = (resources: readonly RecordedResource[]) =>
  resources.filter((r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:Role" && r.name.endsWith("-reconciler"));
const grantsBitnami = (role: RecordedResource) => (role.values.rules as { apiGroups: string[] }[]).some((rule) => rule.apiGroups.includes("bitnami.com"));

test("off by default: no controller, no Secrets Officer grant, no SealedSecrets for tenants, no certificate output", async () => {
  for (const stack of ["dev", "prod"] as const) {
    const { run, graph } = await synthesize({ stack });
    assert.equal(run.resources.filter(inSealedSecrets).length, 0, stack);
    assert.equal(run.resources.filter((r) => r.type === "azure-native:keyvault:Secret").length, 0, stack);
    assert.equal(run.resources.filter((r) => r.name.includes("secrets-officer-admins")).length, 0, stack);
    assert.ok(roles(run.resources).length >= 2 && !roles(run.resources).some(grantsBitnami), stack);
    assert.equal(graph.outputs.sealedSecretsCertificate, undefined);
  }
});

async function synthOn(t: TestContext, stack: "dev" | "prod", extra: Platform = {}): Promise<{ result: SynthResult; privateKeys: string[] }> {
  // What each sealing PrivateKey really returned, to search for.
  const privateKeys: string[] = [];
  const newResource = PlatformMocks.prototype.newResource;
  t.mock.method(PlatformMocks.prototype, "newResource", function (this: PlatformMocks, args: pulumi.runtime.MockResourceArgs) {
    const out = newResource.call(this, args);
    if (args.type === "tls:index/privateKey:PrivateKey" && args.name.startsWith("platform-sealed-secrets-key-")) privateKeys.push(String(out.state.privateKeyPem));
    return out;
  });
  try {
    const result = await synthesize({ stack, configFile: stackFile(stack, on(extra)) });
    return { result, privateKeys };
  } finally {
    t.mock.restoreAll();
  }
}

test("on, in dev and prod: every policy and deploy rule passes, Kubernetes objects validate, tenants may manage SealedSecrets", async (t) => {
  for (const stack of ["dev", "prod"] as const) {
    const { result } = await synthOn(t, stack);
    assert.deepEqual(result.violations, [], stack);
    const resources = result.run.resources.map(checkedFromRecord);
    const context = policyContext(resources, stack);
    // Dev's standing advisories aside: its cluster and vaults are not audited (monitoring is off in dev).
    const findings = evaluatePolicies(resources, context).filter((v) => !(v.policy === "audit-logs-collected" && v.enforcement === "advisory"));
    assert.deepEqual(findings, [], stack);
    assert.deepEqual(evaluatePolicies(resources, context, DEPLOY_RULES), [], stack);
    const tenantRoles = roles(result.run.resources);
    assert.ok(tenantRoles.length >= 2 && tenantRoles.every(grantsBitnami), stack);
    // The backup waits for the admin groups' Secrets Officer grant; the CI identities get none.
    const officer = result.run.resources.filter((r) => r.name.includes("secrets-officer"));
    assert.ok(officer.length >= 1 && officer.every((r) => r.values.principalType === "Group"), officer.map((r) => r.name).join(", "));
  }
});

test("the certificate is a plain stack output, the newest generation's; private keys show nowhere in plain text", async (t) => {
  const { result, privateKeys } = await synthOn(t, "prod", { keyGenerations: 2 });
  assert.equal(privateKeys.length, 2);
  const certs = result.run.resources.filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert" && inSealedSecrets(r));
  const newest = certs.find((c) => c.name === "platform-sealed-secrets-key-2")!;
  assert.match(String(result.graph.outputs.sealedSecretsCertificate), /^-----BEGIN CERTIFICATE-----/);
  assert.equal(result.graph.outputs.sealedSecretsCertificate, newest.outputs.certPem);
  // The keys really reach the program (the key Secrets and the Key Vault backups hold them)...
  const values = JSON.stringify(result.run.resources.filter(inSealedSecrets).map((r) => r.values));
  const body = (pem: string) => pem.split("\n").filter((line) => line.length >= 40 && !line.startsWith("-----"));
  for (const key of privateKeys) assert.ok(body(key).length > 0 && body(key).every((line) => values.includes(line)));
  // ...and nowhere else.
  const places = { "synth JSON": JSON.stringify(result.graph), tree: renderTree(result.graph.resources), outputs: JSON.stringify(result.graph.outputs) };
  for (const key of privateKeys) {
    for (const line of body(key)) for (const [place, text] of Object.entries(places)) assert.ok(!text.includes(line), `a sealing private key in ${place}`);
  }
});

test("prod protects every sealing key, its Secret and its backup; the key Secrets are active", async (t) => {
  const { result } = await synthOn(t, "prod");
  const sealing = result.run.resources.filter(
    (r) =>
      inSealedSecrets(r) &&
      ["tls:index/privateKey:PrivateKey", "tls:index/selfSignedCert:SelfSignedCert", "kubernetes:core/v1:Secret", "azure-native:keyvault:Secret", "kubernetes:core/v1:Namespace"].includes(r.type),
  );
  assert.equal(sealing.length, 5);
  for (const r of sealing) assert.equal(r.protect, true, r.name);
  const secret = sealing.find((r) => r.type === "kubernetes:core/v1:Secret")!;
  assert.equal((secret.values.metadata as { labels: Record<string, string> }).labels[SEALING_KEY_LABEL], "active");
});

test("a new key generation or chart version changes no existing sealing key", async (t) => {
  const base = (await synthOn(t, "prod")).result.run.resources;
  for (const extra of [{ keyGenerations: 2 }, { chartVersion: "2.18.4" }]) {
    const next = (await synthOn(t, "prod", extra)).result.run.resources;
    const byUrn = new Map(next.map((r) => [r.urn, r]));
    for (const before of base.filter((r) => inSealedSecrets(r) && r.type !== "kubernetes:helm.sh/v3:Release" && r.custom)) {
      const after = byUrn.get(before.urn);
      assert.ok(after, `${before.name} keeps its URN (${JSON.stringify(extra)})`);
      assert.deepEqual(after.values, before.values, `${before.name} keeps its inputs (${JSON.stringify(extra)})`);
    }
  }
});

/**
 * The controller's scope rule, modelled from upstream (pkg/apis/sealedsecrets/v1alpha1:
 * SecretScope and EncryptionLabel, applied to the SealedSecret's own metadata on Unseal): the
 * label a ciphertext was sealed with, and so where a copy of it decrypts.
 */
function unsealsAs(sealed: { namespace: string; name: string; annotations: Record<string, string> }, sealedFor: string): boolean {
  const scope =
    sealed.annotations["sealedsecrets.bitnami.com/cluster-wide"] === "true" ? "" : sealed.annotations["sealedsecrets.bitnami.com/namespace-wide"] === "true" ? sealed.namespace : `${sealed.namespace}/${sealed.name}`;
  return scope === sealedFor;
}

/**
 * Admission, read from what synth renders: every ValidatingAdmissionPolicy bound without a
 * namespace selector whose rules match SealedSecrets, each validation being the platform's one
 * expression form `!(has(...) && '<key>' in ... && ...['<key>'] == 'true')`; any other form fails
 * the test rather than being guessed at.
 */
function admits(resources: readonly RecordedResource[], object: { annotations: Record<string, string> }): boolean {
  const policies = resources.filter((r) => r.type === "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy");
  const bindings = resources.filter((r) => r.type === "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding");
  for (const policy of policies) {
    const spec = policy.values.spec as { matchConstraints: { resourceRules: { apiGroups: string[]; resources: string[] }[] }; validations: { expression: string }[] };
    const name = (policy.values.metadata as { name: string }).name;
    if (!spec.matchConstraints.resourceRules.some((rule) => rule.apiGroups.includes("bitnami.com") && rule.resources.includes("sealedsecrets"))) continue;
    const bound = bindings.some((b) => {
      const s = b.values.spec as { policyName: string; matchResources?: unknown };
      return s.policyName === name && s.matchResources === undefined;
    });
    if (!bound) continue;
    for (const { expression } of spec.validations) {
      const match = /^!\(has\(object\.metadata\.annotations\) && '([^']+)' in object\.metadata\.annotations && object\.metadata\.annotations\['\1'\] == 'true'\)$/.exec(expression);
      assert.ok(match, `an expression this model does not read: ${expression}`);
      if (object.annotations[match[1]] === "true") return false;
    }
  }
  return true;
}

test("attack: tenant web copies tenant api's cluster-wide SealedSecret into its own namespace; admission refuses it, strict ones never decrypt there", async (t) => {
  const { result } = await synthOn(t, "dev");
  const resources = result.run.resources;
  const web = roles(resources).find((r) => (r.values.metadata as { namespace: string }).namespace === "web")!;
  assert.ok(grantsBitnami(web), "web's Git content may create SealedSecrets in web");
  const clusterWide = { annotations: { "sealedsecrets.bitnami.com/cluster-wide": "true" } };
  // Without the guard the copy would decrypt in web: cluster-wide ciphertext carries no namespace.
  assert.ok(unsealsAs({ namespace: "web", name: "db", ...clusterWide }, ""));
  assert.equal(admits(resources, clusterWide), false, "a cluster-wide SealedSecret is refused, in any namespace");
  // The default (strict) and namespace-wide scopes are admitted, and a copy of api's into web does not decrypt.
  const scopes: [Record<string, string>, string][] = [
    [{}, "api/db"],
    [{ "sealedsecrets.bitnami.com/namespace-wide": "true" }, "api"],
  ];
  for (const [annotations, sealedForApi] of scopes) {
    assert.equal(admits(resources, { annotations }), true);
    assert.equal(unsealsAs({ namespace: "web", name: "db", annotations }, sealedForApi), false);
    assert.ok(unsealsAs({ namespace: "api", name: "db", annotations }, sealedForApi), "the model decrypts in the right place");
  }
  // Off: no guard, and no tenant may create SealedSecrets at all.
  const { run: off } = await synthesize({ stack: "dev" });
  assert.ok(!roles(off.resources).some(grantsBitnami));
});
