/** Schema validation of Kubernetes objects: every kind against the schema of its own apiVersion. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { bucket, FluxObject, helmRelease, helmRepository, ociRepository } from "../components/kubernetes/flux-manifests";
import type { RecordedResource } from "../synth/engine";
import { validateKubernetesObjects } from "../synth/validate";

function recorded(object: FluxObject | Record<string, unknown>, name: string): RecordedResource {
  const [group, version] = String(object.apiVersion).split("/");
  const values = { ...object, metadata: { name, namespace: "team-a" } };
  return {
    urn: `urn:pulumi:test::p::kubernetes:${group}/${version}:${String(object.kind)}::${name}`,
    type: `kubernetes:${group}/${version}:${String(object.kind)}`,
    name,
    custom: true,
    id: null,
    parent: null,
    provider: null,
    dependencies: [],
    protect: false,
    importId: null,
    ignoreChanges: [],
    deletedWith: null,
    aliases: [],
    propertyDependencies: {},
    additionalSecretOutputs: [],
    inputs: values,
    outputs: {},
    secrets: {},
    values,
  };
}

const release = () => helmRelease({ chart: "podinfo", version: "6.x", repositoryName: "podinfo", interval: "10m", values: {}, serviceAccountName: "sa", targetNamespace: "team-a" });

test("the current Flux source and helm kinds pass against their own (v1, v2) schemas", async () => {
  const objects = [
    helmRepository({ url: "https://stefanprodan.github.io/podinfo", interval: "10m" }),
    ociRepository({ url: "oci://ghcr.io/acme/manifests", tag: "v1.2.0", provider: "generic", interval: "5m" }),
    bucket({ bucketName: "team-a", endpoint: "stacme.blob.core.windows.net", provider: "azure", interval: "15m" }),
    release(),
  ];
  assert.deepEqual(
    objects.map((o) => o.apiVersion),
    ["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1", "helm.toolkit.fluxcd.io/v2"],
  );
  assert.deepEqual(await validateKubernetesObjects(objects.map((o, i) => recorded(o, `o${i}`))), []);
});

test("a HelmRelease v2 is checked against v2, not v2beta2: a v2-only field with a bad value fails", async () => {
  // spec.upgrade.strategy exists only in helm.toolkit.fluxcd.io/v2; the v2beta2 schema lets it through.
  const bad = release();
  bad.spec.upgrade = { strategy: { name: "Sideways" } };
  const violations = await validateKubernetesObjects([recorded(bad, "podinfo")]);
  assert.deepEqual(
    violations.map((v) => v.message),
    ["HelmRelease team-a/podinfo: spec.upgrade.strategy.name must be equal to one of the allowed values"],
  );
});

test("an apiVersion with no schema is reported, never checked against another version", async () => {
  const future = { ...release(), apiVersion: "helm.toolkit.fluxcd.io/v9" };
  const violations = await validateKubernetesObjects([recorded(future, "podinfo")]);
  assert.deepEqual(violations.map((v) => v.message), ['HelmRelease team-a/podinfo: no schema for apiVersion "helm.toolkit.fluxcd.io/v9" kind "HelmRelease"']);
});
