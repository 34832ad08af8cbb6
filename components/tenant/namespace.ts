/**
 * A tenant: one namespace with Pod Security `restricted`, a quota and container defaults,
 * default-deny ingress, Entra group access, and a service account that Flux impersonates to
 * apply the tenant's Git content with namespace-only, RBAC-free permissions.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { GUARDRAIL_LABEL, podSecurityLabels, tenantLabels } from "../kubernetes/labels";
import {
  AddonPeer,
  containerLimits,
  guardrailPolicyName,
  LimitsArgs,
  networkPolicies,
  PlatformServiceEndpoint,
  QuotaArgs,
  quotaHard,
  ReconcilerAccess,
  reconcilerRules,
  EgressAllowance,
  ServiceExposure,
  tenantGuardrailPolicy,
  tenantWorkloadPolicy,
  workloadPolicyName,
} from "./namespace-policy";
import { LOADTESTER_NAME, LOADTESTER_POD_LABELS, loadTesterPodSpec, loadTesterServiceSpec } from "./load-tester";
import { appRoutingController, ingressPolicyName, TenantIngressClaims, tenantIngressPolicy } from "./ingress-policy";

import { DEFAULT_FLUX_NAMESPACE, RECONCILER_SERVICE_ACCOUNT } from "../kubernetes/flux-install";

export { DEFAULT_FLUX_NAMESPACE, RECONCILER_SERVICE_ACCOUNT };

export interface TenantArgs {
  /** Kubernetes provider of the cluster; required, the ambient default is never used. */
  provider: k8s.Provider;
  /** Tenant name, a DNS-1123 label; goes into the `toolkit.fluxcd.io/tenant` label. */
  name: string;
  /** The tenant's namespace, created here. */
  namespace: string;
  /** Environment name (dev, prod), for labels. */
  environment: string;
  /** Entra ID group object ids: `admins` get the built-in `admin` role, `viewers` `view`, in the namespace only. */
  groups: { admins: string[]; viewers: string[] };
  /** ResourceQuota: cpu and memory cap both the total of requests and of limits; claims and their storage. */
  quota: QuotaArgs;
  /** Service forms that reach past the cluster network (LoadBalancer, NodePort, externalIPs). Default: none, refused at admission and capped by the quota. */
  services?: ServiceExposure;
  /** LimitRange defaults for containers that set no requests or limits. */
  limits: LimitsArgs;
  /** Namespace Flux runs in, for `allowIngressFromFlux`. Default "flux-system". */
  fluxNamespace?: string;
  /**
   * Deny egress except DNS (kube-system, UDP/TCP 53) and the tenant's own namespace; tenants add
   * NetworkPolicies for what else their apps reach. Default true. False opens egress to every
   * pod and every address but the instance metadata address (networkPolicies).
   */
  restrictEgress?: boolean;
  /** With restricted egress, more destinations (IPv4 blocks and ports) the tenant's pods may reach. Default none. */
  egressAllowList?: EgressAllowance[];
  /** Allow ingress from the Flux namespace. Default false: no Flux controller connects to tenant pods. */
  allowIngressFromFlux?: boolean;
  /** What the reconciler may manage beyond the base rules (add-ons, extra API groups). Default: nothing more. */
  reconcilerAccess?: ReconcilerAccess;
  /** Pods of platform add-ons that connect to the tenant's pods, e.g. Flagger's Prometheus (flaggerScraper). Default none. */
  allowIngressFromAddons?: AddonPeer[];
  /**
   * HashiCorp Vault's server pods (`vaultServerEndpoint()` of the Vault's namespace), which the tenant's pods may then
   * reach on Vault's API port despite restricted egress. Default: none.
   */
  vaultEgress?: PlatformServiceEndpoint;
  /**
   * Run Flagger's load tester in the namespace (flagger-loadtester.ts): it serves only this
   * namespace's Canaries (`-namespace-regexp=^<namespace>$`) and only Flagger's pods (`flagger`,
   * flaggerController) may connect to it. Undefined: none.
   */
  flaggerLoadTester?: { flagger: AddonPeer; image?: string };
  /**
   * The platform runs the application routing add-on (ingress-policy.ts): the tenant's Ingresses
   * may name only `claims` (refused at admission otherwise, hosts and certificates of the
   * platform Key Vault `keyVaultName`), and the controller's pods may connect in only when the
   * tenant claims a host. Undefined: no controller, no policy.
   */
  ingress?: { claims: TenantIngressClaims; keyVaultName: pulumi.Input<string> };
}

/**
 * A ValidatingAdmissionPolicy that denies in one namespace only, and its binding (returned: what
 * must exist before the policy protects anything).
 */
function namespaceAdmissionPolicy(
  resourceName: string,
  policyName: string,
  namespace: string,
  spec: pulumi.Input<k8s.types.input.admissionregistration.v1.ValidatingAdmissionPolicySpec>,
  labels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding {
  const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(resourceName, { metadata: { name: policyName, labels }, spec }, opts);
  return new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
    resourceName,
    {
      metadata: { name: policyName, labels },
      spec: {
        policyName: policy.metadata.name,
        validationActions: ["Deny"],
        matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } },
      },
    },
    opts,
  );
}

export class Tenant extends pulumi.ComponentResource {
  /** The namespace's name. */
  readonly namespace: pulumi.Output<string>;
  /** The reconciler service account's name, for Kustomization/HelmRelease `serviceAccountName`. */
  readonly serviceAccountName: pulumi.Output<string>;
  /** The Namespace object, for `dependsOn`. */
  readonly namespaceResource: k8s.core.v1.Namespace;
  /** What Flux objects in this namespace must wait for: namespace, reconciler account and its binding. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:kubernetes:Tenant", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const labels = tenantLabels(args.name, args.environment);

    this.namespaceResource = new k8s.core.v1.Namespace(
      name,
      { metadata: { name: args.namespace, labels: { ...labels, ...podSecurityLabels("restricted") } } },
      child,
    );
    // Reading the name from the object makes every child wait for the namespace.
    const namespace = this.namespaceResource.metadata.name;
    // Everything here but the namespace is the platform's: the tenant may not touch it (tenantGuardrailPolicy).
    const ownedLabels = { ...labels, [GUARDRAIL_LABEL]: "true" };
    const meta = (objectName: string) => ({ name: objectName, namespace, labels: ownedLabels });

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-reconciler`,
      // Flux uses the account through impersonation, not as a pod identity: no token mounted.
      { metadata: meta(RECONCILER_SERVICE_ACCOUNT), automountServiceAccountToken: false },
      child,
    );
    const role = new k8s.rbac.v1.Role(`${name}-reconciler`, { metadata: meta(RECONCILER_SERVICE_ACCOUNT), rules: reconcilerRules(args.reconcilerAccess) }, child);
    const binding = new k8s.rbac.v1.RoleBinding(
      `${name}-reconciler`,
      {
        metadata: meta(RECONCILER_SERVICE_ACCOUNT),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace }],
      },
      child,
    );

    // People: Entra groups (AKS with Entra ID names a group by its object id), namespace-scoped.
    const groupBindings: [string, string[]][] = [
      ["admin", args.groups.admins],
      ["view", args.groups.viewers],
    ];
    for (const [clusterRole, groups] of groupBindings) {
      if (groups.length === 0) continue;
      new k8s.rbac.v1.RoleBinding(
        `${name}-${clusterRole}s`,
        {
          metadata: meta(`tenant-${clusterRole}s`),
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole },
          subjects: groups.map((id) => ({ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: id })),
        },
        child,
      );
    }

    new k8s.core.v1.ResourceQuota(`${name}-quota`, { metadata: meta("tenant-quota"), spec: { hard: quotaHard(args.quota, args.services) } }, child);
    new k8s.core.v1.LimitRange(`${name}-limits`, { metadata: meta("tenant-limits"), spec: { limits: containerLimits(args.limits) } }, child);

    const policies = networkPolicies({
      restrictEgress: args.restrictEgress ?? true,
      allowIngressFromNamespace: args.allowIngressFromFlux ? (args.fluxNamespace ?? DEFAULT_FLUX_NAMESPACE) : undefined,
      allowIngressFromAddons: [...(args.allowIngressFromAddons ?? []), ...(args.ingress && args.ingress.claims.hosts.length > 0 ? [appRoutingController()] : [])],
      vaultEgress: args.vaultEgress,
      egressAllowList: args.egressAllowList,
      loadTester: args.flaggerLoadTester ? { flagger: args.flaggerLoadTester.flagger } : undefined,
    });
    // The tenant may add policies but not change these (tenantGuardrailPolicy).
    const guardrailBinding = namespaceAdmissionPolicy(`${name}-guardrails`, guardrailPolicyName(args.namespace), args.namespace, tenantGuardrailPolicy(args.namespace, args.groups.admins, GUARDRAIL_LABEL), labels, child);
    namespaceAdmissionPolicy(`${name}-workloads`, workloadPolicyName(args.namespace), args.namespace, tenantWorkloadPolicy(args.namespace, { services: args.services }), labels, child);
    // Flux applies the tenant's Git content only once its Ingresses are held to its hosts.
    const ingress = args.ingress;
    const ingressBinding = ingress
      ? namespaceAdmissionPolicy(
          `${name}-ingress`,
          ingressPolicyName(args.namespace),
          args.namespace,
          pulumi.output(ingress.keyVaultName).apply((vault) => tenantIngressPolicy(args.namespace, ingress.claims, vault)),
          labels,
          child,
        )
      : undefined;
    for (const policy of policies) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${policy.name}`,
        { metadata: meta(policy.name), spec: policy.spec },
        { ...child, dependsOn: [guardrailBinding] },
      );
    }

    if (args.flaggerLoadTester) {
      const account = new k8s.core.v1.ServiceAccount(`${name}-loadtester`, { metadata: meta(LOADTESTER_NAME), automountServiceAccountToken: false }, child);
      new k8s.apps.v1.Deployment(
        `${name}-loadtester`,
        {
          metadata: meta(LOADTESTER_NAME),
          spec: {
            replicas: 1,
            selector: { matchLabels: LOADTESTER_POD_LABELS },
            template: { metadata: { labels: { ...labels, ...LOADTESTER_POD_LABELS } }, spec: loadTesterPodSpec(args.namespace, LOADTESTER_NAME, args.flaggerLoadTester.image) },
          },
        },
        { ...child, dependsOn: [guardrailBinding, account] },
      );
      new k8s.core.v1.Service(`${name}-loadtester`, { metadata: meta(LOADTESTER_NAME), spec: loadTesterServiceSpec() }, { ...child, dependsOn: [guardrailBinding] });
    }

    this.namespace = namespace;
    this.serviceAccountName = serviceAccount.metadata.name;
    this.ready = [this.namespaceResource, serviceAccount, role, binding, ...(ingressBinding ? [ingressBinding] : [])];
    this.registerOutputs({ namespace: this.namespace, serviceAccountName: this.serviceAccountName });
  }
}
