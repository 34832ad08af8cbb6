import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { parse } from "yaml";
import { Flagger, FlaggerArgs, flaggerHelmValues, FLAGGER_CHART_VERSION, prometheusConfig, PROMETHEUS_IMAGE, RESTRICTED_CONTAINER_CONTEXT } from "../components/kubernetes/flagger";
import { validateKubernetesObjects } from "../synth/validate";
import { dependsOn, run, TestRun } from "./helpers";

async function runFlagger(overrides: Partial<FlaggerArgs> = {}): Promise<TestRun> {
  return run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const pool = new k8s.core.v1.ConfigMap("stand-in-for-node-pools", { metadata: { name: "pools", namespace: "default" } }, { provider });
    const flagger = new Flagger("flagger", {
      cluster: { name: "aks-prod", resourceGroupName: "rg", location: "westeurope", oidcIssuerUrl: "https://issuer.example/", provider, ready: [pool] },
      ...overrides,
    });
    return { namespace: flagger.namespace, prometheusAddress: flagger.prometheusAddress };
  });
}

type Values = Record<string, unknown> & { prometheus: { install: boolean }; securityContext: { enabled: boolean; context: Record<string, unknown> } };

test("Flagger: the pinned chart from flagger.app, Kubernetes provider, the platform's Prometheus, no cross-namespace references", async () => {
  const r = await runFlagger();
  const release = r.one("kubernetes:helm.sh/v3:Release");
  const v = release.values as Record<string, unknown>;
  assert.equal(v.chart, "flagger");
  assert.equal(v.version, FLAGGER_CHART_VERSION);
  assert.match(String(v.version), /^\d+\.\d+\.\d+$/, "pinned, not a range");
  assert.deepEqual(v.repositoryOpts, { repo: "https://flagger.app" });
  assert.equal(v.namespace, "flagger-system");
  assert.equal(v.createNamespace, false);
  const values = v.values as Values;
  assert.equal(values.meshProvider, "kubernetes");
  assert.equal(values.prometheus.install, false, "not the chart's Prometheus (2.41, nodes/proxy)");
  assert.equal(values.metricsServer, "http://flagger-prometheus.flagger-system:9090");
  assert.equal(values.noCrossNamespaceRefs, true);
  assert.equal(release.provider, r.one("pulumi:providers:kubernetes").urn);
  assert.equal(r.outputs.prometheusAddress, "http://flagger-prometheus.flagger-system:9090");
});

type Obj = { metadata: { name: string; namespace?: string }; [k: string]: unknown };
const kube = (r: TestRun, type: string) => r.one(type).values as Obj;

test("Flagger: its own namespace with Pod Security restricted, and both pods get a context restricted admits", async () => {
  const r = await runFlagger({ namespace: "progressive" });
  const ns = r.one("kubernetes:core/v1:Namespace");
  const labels = (ns.values.metadata as { name: string; labels: Record<string, string> }).labels;
  assert.equal((ns.values.metadata as { name: string }).name, "progressive");
  for (const mode of ["enforce", "warn", "audit"]) assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
  const values = r.one("kubernetes:helm.sh/v3:Release").values.values as Values;
  assert.equal(values.securityContext.enabled, true, "the chart renders the context only when enabled");
  assert.deepEqual(values.securityContext.context, RESTRICTED_CONTAINER_CONTEXT);
  const pod = (kube(r, "kubernetes:apps/v1:Deployment") as Obj & { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: { securityContext: Record<string, unknown> }[] } } } }).spec.template.spec;
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
  assert.deepEqual(pod.containers[0].securityContext, { ...RESTRICTED_CONTAINER_CONTEXT, runAsUser: 65534 });
  // What Pod Security restricted checks on a container (kubernetes.io, Pod Security Standards).
  assert.equal(RESTRICTED_CONTAINER_CONTEXT.runAsNonRoot, true);
  assert.equal(RESTRICTED_CONTAINER_CONTEXT.allowPrivilegeEscalation, false);
  assert.deepEqual(RESTRICTED_CONTAINER_CONTEXT.capabilities.drop, ["ALL"]);
  assert.equal(RESTRICTED_CONTAINER_CONTEXT.seccompProfile.type, "RuntimeDefault");
  assert.equal(r.outputs.namespace, "progressive");
  assert.equal(r.outputs.prometheusAddress, "http://flagger-prometheus.progressive:9090");
});

test("Prometheus: pod discovery only (no nodes, no nodes/proxy), a current image, the labels Flagger's queries select on", async () => {
  const r = await runFlagger();
  const role = kube(r, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole") as Obj & { rules: { resources: string[]; verbs: string[] }[] };
  assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]);
  const binding = kube(r, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding") as Obj & { subjects: object[]; roleRef: { name: string } };
  assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "flagger-prometheus", namespace: "flagger-system" }]);
  assert.equal(binding.roleRef.name, "flagger-prometheus-flagger-system");
  const container = (kube(r, "kubernetes:apps/v1:Deployment") as Obj & { spec: { template: { spec: { containers: { image: string; args: string[] }[] } } } }).spec.template.spec.containers[0];
  assert.equal(container.image, PROMETHEUS_IMAGE);
  assert.ok(container.args.includes("--storage.tsdb.retention.time=2h"));
  const config = parse((r.one("kubernetes:core/v1:ConfigMap", "flagger-prometheus").values as Obj & { data: Record<string, string> }).data["prometheus.yml"]);
  assert.deepEqual(config, parse(prometheusConfig("10s")));
  const relabel = config.scrape_configs[0].relabel_configs as { target_label?: string; regex?: string; action: string }[];
  assert.deepEqual(relabel.map((x) => x.target_label).filter(Boolean), ["__metrics_path__", "__address__", "kubernetes_namespace", "kubernetes_pod_name"]);
  assert.equal(relabel[0].action, "keep", "only pods that ask to be scraped");
  // The port annotation replaces the address's port, as Prometheus's regexp (RE2) applies it.
  const portRule = relabel.find((x) => x.target_label === "__address__")!;
  assert.equal("10.244.1.7:8080;9797".replace(new RegExp(`^(?:${portRule.regex})$`), "$1:$2"), "10.244.1.7:9797");
  const service = kube(r, "kubernetes:core/v1:Service") as Obj & { spec: { ports: { port: number }[] } };
  assert.equal(service.metadata.name, "flagger-prometheus");
  assert.equal(service.spec.ports[0].port, 9090);
});

test("Flagger: the release and Prometheus wait for the namespace and the cluster's node pools", async () => {
  const r = await runFlagger();
  for (const waiting of [r.one("kubernetes:helm.sh/v3:Release"), r.one("kubernetes:apps/v1:Deployment")]) {
    assert.ok(dependsOn(r, waiting, r.one("kubernetes:core/v1:Namespace")), waiting.name);
    assert.ok(dependsOn(r, waiting, r.one("kubernetes:core/v1:ConfigMap", "stand-in-for-node-pools")), waiting.name);
  }
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});

test("Flagger values: the given metrics server; CRDs come from the chart's crds/ directory, not templates", () => {
  const values = flaggerHelmValues({ metricsServer: "http://p.example:9090" }) as Values;
  assert.equal(values.metricsServer, "http://p.example:9090");
  assert.deepEqual(values.crd, { create: false });
});

test("Prometheus keeps samples as long as asked", async () => {
  const r = await runFlagger({ prometheusRetention: "6h" });
  const container = (r.one("kubernetes:apps/v1:Deployment").values as Obj & { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template.spec.containers[0];
  assert.ok(container.args.includes("--storage.tsdb.retention.time=6h"));
});
