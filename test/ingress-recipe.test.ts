/**
 * The tenant recipe of docs/ingress.md (issue 30, item 1), as a tenant would commit it: the
 * Deployment, Ingress and NetworkPolicy against the Kubernetes schemas synth uses, the Canary
 * against Flagger's v1beta1 Canary schema (the fields the recipe uses, after flagger 1.44.0
 * charts/flagger/crds/crd.yaml, additional fields refused so a typo fails), a weighted NGINX
 * canary wired to the Ingress and Deployment it names, and the Ingress admitted by the policy the
 * platform renders for prod's tenant `web` (CEL evaluated), its variants for another tenant's
 * host or certificate, or with a snippet, refused.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import Ajv from "ajv";
import * as k8s from "@pulumi/kubernetes";
import { parse, parseAllDocuments } from "yaml";
import { APP_ROUTING_CONTROLLER_LABELS, APP_ROUTING_INGRESS_CLASS, APP_ROUTING_NAMESPACE, KEY_VAULT_CERT_ANNOTATION } from "../components/tenant/ingress-policy";
import { LOADTESTER_POD_LABELS } from "../components/tenant/load-tester";
import { prometheusConfig } from "../components/kubernetes/flagger";
import { Tenant } from "../components/tenant/namespace";
import { tenantSpec } from "../stacks/component-args";
import { parsePlatformConfig } from "../stacks/parse";
import type { RecordedResource } from "../synth/engine";
import { PROJECT_ROOT } from "../synth/synthesize";
import { validateKubernetesObjects } from "../synth/validate";
import { admit, PolicySpec, teamTenantArgs } from "./admission-cel";
import { sample } from "./config-probe";
import { run, TEST_TODAY } from "./helpers";

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The objects of the recipe section's YAML block. */
function recipe(): Obj[] {
  const doc = readFileSync(path.join(PROJECT_ROOT, "docs", "ingress.md"), "utf8");
  const section = doc.slice(doc.indexOf("## Tenant recipe"));
  const block = /```yaml\n([\s\S]*?)```/.exec(section);
  assert.ok(block, "docs/ingress.md has a yaml block in its recipe section");
  return parseAllDocuments(block[1]).map((d) => d.toJS() as Obj);
}
const byKind = (objects: Obj[], kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `one ${kind} in the recipe`);
  return found[0];
};

const metric = { type: "object", required: ["name"], additionalProperties: false, properties: { name: { type: "string" }, interval: { type: "string" }, thresholdRange: { type: "object", additionalProperties: false, properties: { min: { type: "number" }, max: { type: "number" } } } } };
const webhook = {
  type: "object",
  required: ["name", "url"],
  additionalProperties: false,
  properties: {
    name: { type: "string" },
    type: { enum: ["", "confirm-rollout", "pre-rollout", "rollout", "confirm-promotion", "post-rollout", "event", "rollback", "confirm-traffic-increase"] },
    url: { type: "string" },
    timeout: { type: "string" },
    metadata: { type: "object", additionalProperties: { type: "string" } },
  },
};
const ref = (kinds: string[]) => ({ type: "object", required: ["apiVersion", "kind", "name"], additionalProperties: false, properties: { apiVersion: { type: "string" }, kind: { enum: kinds }, name: { type: "string" } } });
const CANARY_SCHEMA = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { const: "flagger.app/v1beta1" },
    kind: { const: "Canary" },
    spec: {
      type: "object",
      required: ["targetRef", "analysis"],
      additionalProperties: false,
      properties: {
        provider: { enum: ["apisix", "appmesh", "appmesh:v1beta2", "contour", "gatewayapi:v1", "gatewayapi:v1beta1", "gloo", "istio", "knative", "kubernetes", "kuma", "linkerd", "nginx", "osm", "skipper", "smi:v1alpha1", "smi:v1alpha2", "smi:v1alpha3", "traefik"] },
        targetRef: ref(["DaemonSet", "Deployment", "Service"]),
        ingressRef: ref(["Ingress"]),
        progressDeadlineSeconds: { type: "number" },
        service: { type: "object", required: ["port"], additionalProperties: false, properties: { port: { type: "number" }, targetPort: { anyOf: [{ type: "integer" }, { type: "string" }] } } },
        analysis: {
          type: "object",
          additionalProperties: false,
          properties: {
            interval: { type: "string", pattern: "^[0-9]+(m|s)" },
            threshold: { type: "number" },
            maxWeight: { type: "number" },
            stepWeight: { type: "number" },
            metrics: { type: "array", items: metric },
            webhooks: { type: "array", items: webhook },
          },
        },
      },
    },
  },
};

test("the recipe's Deployment, Ingress and NetworkPolicy are valid Kubernetes objects; its Canary is a valid Flagger Canary", async () => {
  const objects = recipe();
  const records = objects
    .filter((o) => o.kind !== "Canary")
    .map((o) => ({ urn: `recipe::${o.kind}`, custom: true, type: `kubernetes:${o.apiVersion}:${o.kind}`, values: o }) as unknown as RecordedResource);
  assert.equal(records.length, 3);
  assert.deepEqual(await validateKubernetesObjects(records), []);
  const validate = new Ajv({ allErrors: true }).compile(CANARY_SCHEMA);
  const canary = byKind(objects, "Canary");
  assert.ok(validate(canary), JSON.stringify(validate.errors));
  // The schema bites: a misspelt field fails.
  assert.equal(validate({ ...canary, spec: { ...canary.spec, analysis: { ...canary.spec.analysis, stepWeigth: 10 } } }), false);
});

test("the recipe is a weighted NGINX canary of web's Deployment through web's Ingress, with metric checks Flagger's nginx observer serves", () => {
  const objects = recipe();
  const [deployment, ingress, canary, policy] = ["Deployment", "Ingress", "Canary", "NetworkPolicy"].map((k) => byKind(objects, k));
  for (const o of objects) assert.equal(o.metadata.namespace, "web", `${o.kind} in web's namespace`);
  assert.equal(canary.spec.provider, "nginx");
  assert.equal(canary.spec.targetRef.name, deployment.metadata.name);
  assert.equal(canary.spec.ingressRef.name, ingress.metadata.name);
  assert.equal(ingress.spec.ingressClassName, APP_ROUTING_INGRESS_CLASS);
  const { stepWeight, maxWeight, metrics } = canary.spec.analysis;
  assert.ok(stepWeight > 0 && maxWeight > stepWeight && maxWeight < 100, "traffic shifts by weight, in steps");
  assert.deepEqual(metrics.map((m: { name: string }) => m.name).sort(), ["request-duration", "request-success-rate"], "the built-ins of flagger pkg/metrics/observers/nginx.go");
  // The load test goes through the controller, which the tenant's own policy lets the load tester reach.
  assert.match(canary.spec.analysis.webhooks[0].metadata.cmd, new RegExp(`-host ${ingress.spec.rules[0].host.replace(/\./g, "\\.")} http://nginx\\.${APP_ROUTING_NAMESPACE}/`));
  assert.deepEqual(policy.spec.podSelector.matchLabels, LOADTESTER_POD_LABELS);
  assert.equal(policy.spec.egress[0].to[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"], APP_ROUTING_NAMESPACE);
  assert.equal(policy.spec.egress[0].to[0].podSelector.matchLabels["app.kubernetes.io/component"], APP_ROUTING_CONTROLLER_LABELS["app.kubernetes.io/component"]);
});

test("the platform side of the recipe: web as prod builds it admits the recipe's Ingress, and refuses it with api's host, api's certificate or a snippet", async () => {
  const parsed = parsePlatformConfig(sample("prod"), "prod", { today: TEST_TODAY });
  assert.ok(parsed.ok);
  if (!parsed.ok) return;
  const web = tenantSpec(parsed.config.tenants.find((t) => t.name === "web")!);
  assert.ok(web.ingress, "prod's web declares ingress");
  const ingress = byKind(recipe(), "Ingress");
  const vault = new URL(ingress.metadata.annotations![KEY_VAULT_CERT_ANNOTATION]).host.split(".")[0];
  const rendered = await run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new Tenant("web", { ...teamTenantArgs(provider, web.namespace, undefined, { name: web.name, environment: "prod" }), ingress: { claims: web.ingress!, keyVaultName: vault } });
    return {};
  });
  const spec = rendered.resources.find((r) => r.values.kind === "ValidatingAdmissionPolicy" && (r.values.metadata as { name: string }).name === "tenant-ingress-web")!.values.spec as PolicySpec;
  const resource = { group: "networking.k8s.io", version: "v1", resource: "ingresses" };
  const groups = ["system:serviceaccounts", "system:serviceaccounts:web", "system:authenticated"];
  const verdict = (object: unknown) => admit(spec, { operation: "CREATE", resource, object, groups });
  assert.deepEqual(await verdict(ingress), { allowed: true, matched: true });
  const withHost = structuredClone(ingress);
  withHost.spec.rules[0].host = "api.acme-platform.com";
  assert.equal((await verdict(withHost)).allowed, false, "api's host");
  const withCert = structuredClone(ingress);
  withCert.metadata.annotations![KEY_VAULT_CERT_ANNOTATION] = `https://${vault}.vault.azure.net/certificates/api-tls`;
  assert.equal((await verdict(withCert)).allowed, false, "api's certificate");
  const withSnippet = structuredClone(ingress);
  withSnippet.metadata.annotations!["nginx.ingress.kubernetes.io/server-snippet"] = "location / { return 200; }";
  assert.equal((await verdict(withSnippet)).allowed, false, "a snippet");
  // The controller reaches web's pods (web declares hosts).
  assert.ok(rendered.resources.some((r) => r.values.kind === "NetworkPolicy" && (r.values.metadata as { name: string }).name === "allow-ingress-from-app-routing-nginx"));
});

test("NGINX's metrics reach Flagger's Prometheus: its pod job discovers every namespace (app-routing-system among them) and keeps annotated pods", () => {
  const config = parse(prometheusConfig("10s")) as { scrape_configs: { kubernetes_sd_configs: Record<string, unknown>[]; relabel_configs: Record<string, unknown>[] }[] };
  const job = config.scrape_configs[0];
  assert.deepEqual(job.kubernetes_sd_configs, [{ role: "pod" }], "no namespaces filter");
  assert.deepEqual(job.relabel_configs[0], { source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], action: "keep", regex: "true" });
  // The controller's own annotations (aks-app-routing-operator pkg/manifests/nginx.go) name its metrics port.
  const port = job.relabel_configs.find((r) => r.target_label === "__address__")!;
  assert.deepEqual(port.source_labels, ["__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"]);
  assert.ok(new RegExp(String(port.regex)).test("10.244.1.7:80;10254"), "an annotated port rewrites the target address");
});
