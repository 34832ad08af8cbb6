import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { Flagger, FlaggerArgs, flaggerHelmValues, FLAGGER_CHART_VERSION, RESTRICTED_CONTAINER_CONTEXT } from "../components/kubernetes/flagger";
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

type Values = Record<string, unknown> & { prometheus: { install: boolean; retention: string; securityContext: { enabled: boolean; context: Record<string, unknown> } } };

test("Flagger: the pinned chart from flagger.app, Kubernetes provider, its bundled Prometheus, no cross-namespace references", async () => {
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
  assert.equal(values.prometheus.install, true);
  assert.equal(values.prometheus.retention, "2h");
  assert.equal(values.noCrossNamespaceRefs, true);
  assert.equal(release.provider, r.one("pulumi:providers:kubernetes").urn);
  assert.equal(r.outputs.prometheusAddress, "http://flagger-prometheus.flagger-system:9090");
});

test("Flagger: its own namespace with Pod Security restricted, and both containers get a context restricted admits", async () => {
  const r = await runFlagger({ namespace: "progressive" });
  const ns = r.one("kubernetes:core/v1:Namespace");
  const labels = (ns.values.metadata as { name: string; labels: Record<string, string> }).labels;
  assert.equal((ns.values.metadata as { name: string }).name, "progressive");
  for (const mode of ["enforce", "warn", "audit"]) assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
  const values = r.one("kubernetes:helm.sh/v3:Release").values.values as Values & { securityContext: { enabled: boolean; context: Record<string, unknown> } };
  for (const context of [values.securityContext, values.prometheus.securityContext]) {
    assert.equal(context.enabled, true, "the chart renders the context only when enabled");
    assert.deepEqual(context.context, RESTRICTED_CONTAINER_CONTEXT);
  }
  // What Pod Security restricted checks on a container (kubernetes.io, Pod Security Standards).
  assert.equal(RESTRICTED_CONTAINER_CONTEXT.runAsNonRoot, true);
  assert.equal(RESTRICTED_CONTAINER_CONTEXT.allowPrivilegeEscalation, false);
  assert.deepEqual(RESTRICTED_CONTAINER_CONTEXT.capabilities.drop, ["ALL"]);
  assert.equal(RESTRICTED_CONTAINER_CONTEXT.seccompProfile.type, "RuntimeDefault");
  assert.equal(r.outputs.namespace, "progressive");
});

test("Flagger: the release waits for its namespace and the cluster's node pools", async () => {
  const r = await runFlagger();
  const release = r.one("kubernetes:helm.sh/v3:Release");
  assert.ok(dependsOn(r, release, r.one("kubernetes:core/v1:Namespace")));
  assert.ok(dependsOn(r, release, r.one("kubernetes:core/v1:ConfigMap", "stand-in-for-node-pools")));
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});

test("Flagger values: retention is configurable; CRDs come from the chart's crds/ directory, not templates", () => {
  const values = flaggerHelmValues({ prometheusRetention: "6h" }) as Values;
  assert.equal(values.prometheus.retention, "6h");
  assert.deepEqual(values.crd, { create: false });
});
