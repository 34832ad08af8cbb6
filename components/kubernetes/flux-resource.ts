/** Registers a Flux object (from flux-manifests.ts) as a custom resource. */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { FluxObject } from "./flux-manifests";

export interface FluxMetadata {
  name: string;
  namespace: pulumi.Input<string>;
  labels?: Record<string, string>;
}

/**
 * `opts` must carry the Kubernetes provider and, through `dependsOn`, the Flux install: the API
 * server rejects these objects until the CRDs exist.
 */
export function fluxResource(name: string, object: FluxObject, metadata: FluxMetadata, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(name, { apiVersion: object.apiVersion, kind: object.kind, metadata, spec: object.spec }, opts);
}
