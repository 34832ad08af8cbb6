/**
 * Attack tests for tenant ingress (issue 30, item 1), the CEL of the policies a rendered Tenant
 * carries evaluated for real (test/admission-cel.ts): tenant A claims tenant B's hostname, catches
 * every host with a hostless rule or a default backend, injects NGINX configuration with a snippet
 * annotation, syncs another tenant's Key Vault certificate, or routes to another namespace through
 * an ExternalName Service; and the controller reaches only tenants that declare ingress.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { Tenant, TenantArgs } from "../components/tenant/namespace";
import { APP_ROUTING_CONTROLLER_LABELS, APP_ROUTING_NAMESPACE, KEY_VAULT_CERT_ANNOTATION } from "../components/tenant/ingress-policy";
import { admit, PolicySpec, teamTenantArgs } from "./admission-cel";
import { run, TestRun } from "./helpers";

const A = "team-a";
const B = "team-b";
const VAULT = "kv-prod-1a2b3c";
const INGRESSES = { group: "networking.k8s.io", version: "v1", resource: "ingresses" };
const SERVICES = { group: "", version: "v1", resource: "services" };
const RECONCILER = (namespace: string) => ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"];

type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> };
const objects = (r: TestRun, kind: string) => r.resources.filter((x) => x.custom && x.values.kind === kind).map((x) => x.values as Obj);

function runTenants(tenants: { namespace: string; args: Partial<TenantArgs> }[]): Promise<TestRun> {
  return run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    for (const t of tenants) new Tenant(t.namespace, { ...teamTenantArgs(provider, t.namespace, undefined, { name: t.namespace }), ...t.args });
    return {};
  });
}

const claims = (hosts: string[], certificates: string[] = []) => ({ ingress: { claims: { hosts, certificates }, keyVaultName: VAULT } });

let rendered: Promise<TestRun> | undefined;
const twoTenants = () =>
  (rendered ??= runTenants([
    { namespace: A, args: claims(["shop.example.com"], ["shop-tls"]) },
    { namespace: B, args: claims(["pay.example.com"], ["pay-tls"]) },
  ]));

function policy(r: TestRun, name: string): PolicySpec {
  const found = objects(r, "ValidatingAdmissionPolicy").filter((o) => o.metadata.name === name);
  assert.equal(found.length, 1, `one policy ${name}`);
  return found[0].spec as unknown as PolicySpec;
}

function ingress(namespace: string, spec: Record<string, unknown>, annotations?: Record<string, string>) {
  return { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "web", namespace, ...(annotations ? { annotations } : {}) }, spec };
}
const rule = (host?: string) => ({ ...(host ? { host } : {}), http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } });

async function verdict(spec: PolicySpec, namespace: string, object: unknown, resource = INGRESSES) {
  const results = [];
  for (const operation of ["CREATE", "UPDATE"] as const) results.push(await admit(spec, { operation, resource, object, oldObject: object, groups: RECONCILER(namespace) }));
  return results;
}
async function refused(spec: PolicySpec, namespace: string, object: unknown, message: RegExp, what: string, resource = INGRESSES) {
  for (const v of await verdict(spec, namespace, object, resource)) {
    assert.equal(v.allowed, false, `${what}: must be refused`);
    if (!v.allowed) assert.match(v.message, message, what);
  }
}
async function admitted(spec: PolicySpec, namespace: string, object: unknown, what: string, resource = INGRESSES) {
  for (const v of await verdict(spec, namespace, object, resource)) assert.deepEqual(v, { allowed: true, matched: true }, what);
}

test("attack: tenant A publishes an Ingress for tenant B's hostname (rule or TLS); refused, its own host admitted", async () => {
  const r = await twoTenants();
  const a = policy(r, `tenant-ingress-${A}`);
  await admitted(a, A, ingress(A, { ingressClassName: "webapprouting.kubernetes.azure.com", rules: [rule("shop.example.com")], tls: [{ hosts: ["shop.example.com"], secretName: "shop" }] }), "A's own host");
  await refused(a, A, ingress(A, { rules: [rule("pay.example.com")] }), /must name one of the tenant's hosts: shop\.example\.com/, "B's host in a rule");
  await refused(a, A, ingress(A, { rules: [rule("shop.example.com"), rule("pay.example.com")] }), /tenant's hosts/, "B's host beside A's");
  await refused(a, A, ingress(A, { rules: [rule("shop.example.com")], tls: [{ hosts: ["pay.example.com"] }] }), /spec\.tls entry/, "B's host in TLS");
  // B's policy holds B to B's hosts the same way: the binding of each is its own namespace.
  await refused(policy(r, `tenant-ingress-${B}`), B, ingress(B, { rules: [rule("shop.example.com")] }), /pay\.example\.com/, "B claiming A's");
});

test("attack: a hostless rule, a default backend or a wildcard catches every host; refused", async () => {
  const a = policy(await twoTenants(), `tenant-ingress-${A}`);
  await refused(a, A, ingress(A, { rules: [rule()] }), /tenant's hosts/, "rule without host");
  await refused(a, A, ingress(A, { defaultBackend: { service: { name: "web", port: { number: 80 } } } }), /defaultBackend/, "default backend");
  await refused(a, A, ingress(A, { rules: [rule("*.example.com")] }), /tenant's hosts/, "wildcard over B's host");
  await refused(a, A, ingress(A, { rules: [rule("shop.example.com")], tls: [{ secretName: "x" }] }), /spec\.tls entry/, "TLS entry without hosts");
});

test("attack: snippet annotations inject NGINX configuration into the shared controller; refused", async () => {
  const a = policy(await twoTenants(), `tenant-ingress-${A}`);
  for (const key of ["server-snippet", "configuration-snippet", "auth-snippet", "stream-snippet"]) {
    await refused(a, A, ingress(A, { rules: [rule("shop.example.com")] }, { [`nginx.ingress.kubernetes.io/${key}`]: "location /x { proxy_pass http://vault.vault:8200; }" }), /snippet/, key);
  }
  await admitted(a, A, ingress(A, { rules: [rule("shop.example.com")] }, { "nginx.ingress.kubernetes.io/proxy-body-size": "8m" }), "other annotations pass");
});

test("attack: tenant A syncs tenant B's Key Vault certificate (its private key) into A's namespace; refused, A's own admitted", async () => {
  const a = policy(await twoTenants(), `tenant-ingress-${A}`);
  const withCert = (uri: string) => ingress(A, { rules: [rule("shop.example.com")] }, { [KEY_VAULT_CERT_ANNOTATION]: uri });
  await admitted(a, A, withCert(`https://${VAULT}.vault.azure.net/certificates/shop-tls`), "A's certificate");
  await admitted(a, A, withCert(`https://${VAULT}.vault.azure.net/certificates/shop-tls/0123456789abcdef0123456789abcdef`), "A's certificate, a version");
  for (const uri of [
    `https://${VAULT}.vault.azure.net/certificates/pay-tls`,
    `https://${VAULT}.vault.azure.net/secrets/pay-tls`,
    `https://${VAULT}.vault.azure.net/certificates/shop-tls-and-more`,
    `https://other-vault.vault.azure.net/certificates/shop-tls`,
    `https://${VAULT}.vault.azure.net.evil.example/certificates/shop-tls`,
  ]) {
    await refused(a, A, withCert(uri), /must name one of the tenant's certificates in the platform Key Vault: shop-tls/, uri);
  }
});

test("a tenant that declares no ingress publishes nothing: every host and every certificate refused", async () => {
  const r = await runTenants([{ namespace: A, args: claims([]) }]);
  const a = policy(r, `tenant-ingress-${A}`);
  await refused(a, A, ingress(A, { rules: [rule("shop.example.com")] }), /hosts: none \(tenants\[\]\.ingress\.hosts\)/, "any host");
  await refused(a, A, ingress(A, {}, { [KEY_VAULT_CERT_ANNOTATION]: `https://${VAULT}.vault.azure.net/certificates/x` }), /certificates\)/, "any certificate");
});

test("attack: an ExternalName Service aliases another namespace's Service for the ingress controller; refused in every tenant", async () => {
  const r = await twoTenants();
  const workloads = policy(r, `tenant-workloads-${A}`);
  const service = (spec: Record<string, unknown>) => ({ apiVersion: "v1", kind: "Service", metadata: { name: "alias", namespace: A }, spec });
  await refused(workloads, A, service({ type: "ExternalName", externalName: `vault.vault.svc.cluster.local` }), /ExternalName are not allowed/, "ExternalName", SERVICES);
  await admitted(workloads, A, service({ type: "ClusterIP", ports: [{ port: 80 }] }), "a ClusterIP Service", SERVICES);
  // Without any ingress on the platform the refusal holds as well (it is not tied to the add-on).
  const plain = await runTenants([{ namespace: A, args: {} }]);
  await refused(policy(plain, `tenant-workloads-${A}`), A, service({ type: "ExternalName", externalName: "x.example.com" }), /ExternalName/, "without ingress", SERVICES);
});

test("attack: the ingress controller connects to a tenant that declared no ingress; only a tenant with hosts admits it", async () => {
  const r = await runTenants([
    { namespace: A, args: claims(["shop.example.com"]) },
    { namespace: B, args: claims([]) },
  ]);
  const policies = objects(r, "NetworkPolicy");
  const fromController = (namespace: string) =>
    policies.filter((p) => p.metadata.namespace === namespace && JSON.stringify(p.spec).includes(APP_ROUTING_NAMESPACE));
  assert.equal(fromController(B).length, 0, "B has no allowance for the controller: default-deny-ingress holds");
  const allow = fromController(A);
  assert.equal(allow.length, 1);
  assert.equal(allow[0].metadata.name, "allow-ingress-from-app-routing-nginx");
  assert.deepEqual((allow[0].spec as { ingress: unknown[] }).ingress, [
    { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": APP_ROUTING_NAMESPACE } }, podSelector: { matchLabels: APP_ROUTING_CONTROLLER_LABELS } }] },
  ]);
  // No ingress on the platform: no policy and no allowance at all.
  const plain = await runTenants([{ namespace: A, args: {} }]);
  assert.equal(objects(plain, "ValidatingAdmissionPolicy").filter((o) => o.metadata.name.startsWith("tenant-ingress-")).length, 0);
  assert.equal(objects(plain, "NetworkPolicy").filter((p) => JSON.stringify(p.spec).includes(APP_ROUTING_NAMESPACE)).length, 0);
});
