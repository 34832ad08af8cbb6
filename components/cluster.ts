/**
 * What components that run on a cluster (Flux, HashiCorpVault) need to know about it, in one
 * reference. AksCluster satisfies it; a program that brings its own cluster writes it as a literal:
 * `{ name, resourceGroupName, location, oidcIssuerUrl, provider: new k8s.Provider(...) }`.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";

export interface ClusterReference {
  /** AKS cluster (resource) name. */
  name: pulumi.Input<string>;
  /** Resource group of the cluster. */
  resourceGroupName: pulumi.Input<string>;
  /** Azure region of the cluster. */
  location: pulumi.Input<string>;
  /** The cluster's OIDC issuer URL, which workload identity federated credentials trust. */
  oidcIssuerUrl: pulumi.Input<string>;
  /** Kubernetes provider of the cluster: every Kubernetes object goes through it, never the ambient default. */
  provider: k8s.Provider;
  /** What anything with pods waits for (AksCluster: its user pools). Default nothing. */
  ready?: pulumi.Resource[];
}
