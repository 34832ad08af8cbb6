/**
 * Sealed Secrets (bitnami-labs), optional, for teams that already seal their Secrets with
 * kubeseal: the controller from its Helm chart, sealing keys the platform makes and backs up to
 * Key Vault before the controller starts, the public certificate for `kubeseal --cert`, and an
 * admission policy that refuses cluster-wide sealed secrets (see scopePolicySpec).
 *
 * Why the platform makes the keys instead of backing up the controller's: a key the controller
 * makes exists only in the cluster until something copies it out, and a copy job would need a
 * Kubernetes token that reads the key and a Key Vault identity that writes secrets, running in
 * the cluster. Here the key pair is a Pulumi resource (its private key a secret output, encrypted
 * in state), written to Key Vault through ARM and to the cluster as an active key Secret before
 * the controller starts; the controller's own renewal is off, so it never holds a key that the
 * backup lacks. Rotation is a new generation (`keyGenerations`), never a replacement.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as tls from "@pulumi/tls";
import type { KeyVault } from "../azure/key-vault";
import type { ClusterReference } from "../cluster";
import { managedLabels, podSecurityLabels } from "./labels";
import {
  CERTIFICATE_VALIDITY_HOURS,
  certificatesChecksum,
  SEALED_SECRETS_CHART,
  sealedSecretsHelmValues,
  SEALING_KEY_LABEL,
  sealingKeyBackupName,
  sealingKeyManifest,
  sealingKeyName,
  scopePolicySpec,
} from "./sealed-secrets-config";

/** The Helm release name. */
export const SEALED_SECRETS_RELEASE_NAME = "sealed-secrets";
/** The namespace of the controller and its sealing keys unless SealedSecretsArgs.namespace says otherwise. */
export const DEFAULT_SEALED_SECRETS_NAMESPACE = "sealed-secrets";

/** Versions and keys; every field optional, SEALED_SECRETS_DEFAULTS when unset. */
export interface SealedSecretsSettingsArgs {
  /** bitnami-labs `sealed-secrets` chart version. Default "2.18.5" (controller 0.36.6). */
  chartVersion?: string;
  /**
   * Sealing key generations, 1 to 20: generation N seals (its certificate is the newest), every
   * generation still decrypts. Raise by one to rotate; never lower it while a SealedSecret sealed
   * with a higher generation exists. Default 1.
   */
  keyGenerations?: number;
}

export type SealedSecretsSettings = Required<SealedSecretsSettingsArgs>;

export const SEALED_SECRETS_DEFAULTS: Readonly<SealedSecretsSettings> = {
  chartVersion: "2.18.5",
  keyGenerations: 1,
};

export interface SealedSecretsArgs extends SealedSecretsSettingsArgs {
  /** The cluster: its provider for every object, its `ready` node pools for the controller's pod. */
  cluster: ClusterReference;
  /** The Key Vault the sealing keys are backed up to (as `sealed-secrets-key-gen-<n>-<certificate digest>`). */
  keyVault: KeyVault;
  /** Namespace of the controller and its keys; created here. Default DEFAULT_SEALED_SECRETS_NAMESPACE ("sealed-secrets"). */
  namespace?: string;
  /**
   * Protect the sealing keys (the key pairs, their Secrets and their backups) and the namespace:
   * without a key, what it sealed can never be decrypted. Default false.
   */
  protect?: boolean;
}

/** One sealing key generation. */
export interface SealingKey {
  generation: number;
  /** PEM of the public certificate. */
  certificate: pulumi.Output<string>;
  /** Name of the Key Vault secret holding the key Secret's manifest. */
  backupSecretName: pulumi.Output<string>;
}

export class SealedSecrets extends pulumi.ComponentResource {
  /** The controller's namespace (`kubeseal --controller-namespace`). */
  readonly namespace: pulumi.Output<string>;
  /** PEM of the newest generation's certificate: what `kubeseal --cert` seals with. Public. */
  readonly certificate: pulumi.Output<string>;
  /** Every generation, oldest first. */
  readonly keys: SealingKey[];
  /** The controller's release: SealedSecrets objects need its CRD. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: SealedSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:kubernetes:SealedSecrets", name, {}, opts);
    const settings = { ...SEALED_SECRETS_DEFAULTS, ...definedOnly(args) };
    if (!Number.isInteger(settings.keyGenerations) || settings.keyGenerations < 1 || settings.keyGenerations > 20) {
      throw new pulumi.RunError(`SealedSecrets ${name}: keyGenerations must be an integer from 1 to 20, got ${settings.keyGenerations}`);
    }
    const ns = args.namespace ?? DEFAULT_SEALED_SECRETS_NAMESPACE;
    const protect = args.protect ?? false;
    const k8sOpts = { parent: this, provider: args.cluster.provider };
    const labels = { ...managedLabels(), "app.kubernetes.io/part-of": "sealed-secrets" };

    const namespace = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: ns, labels: { ...labels, ...podSecurityLabels("restricted") } } },
      { ...k8sOpts, protect },
    );
    const namespaceName = namespace.metadata.name;

    const keyResources: pulumi.Resource[] = [];
    this.keys = [];
    for (let generation = 1; generation <= settings.keyGenerations; generation++) {
      const { secret, backup, key } = this.sealingKey(name, generation, { args, ns, namespaceName, labels, protect });
      keyResources.push(secret, backup);
      this.keys.push(key);
    }

    // Nothing connects to the controller: the certificate is a stack output, and Flux applies
    // SealedSecrets through the API server. Deny all ingress (the chart's own policy opens 8080
    // and 8081 to everyone); kubelet probes come from the node, which policies do not cover.
    new k8s.networking.v1.NetworkPolicy(
      `${name}-deny-ingress`,
      { metadata: { name: "default-deny-ingress", namespace: namespaceName, labels }, spec: { podSelector: {}, policyTypes: ["Ingress"] } },
      k8sOpts,
    );

    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      `${name}-scope`,
      { metadata: { name: "sealed-secrets-no-cluster-wide", labels }, spec: scopePolicySpec() },
      k8sOpts,
    );
    const binding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
      `${name}-scope`,
      { metadata: { name: "sealed-secrets-no-cluster-wide", labels }, spec: { policyName: policy.metadata.name, validationActions: ["Deny"] } },
      k8sOpts,
    );

    const values = pulumi
      .all(this.keys.map((k) => k.certificate))
      .apply((certs) => sealedSecretsHelmValues({ keysChecksum: certificatesChecksum(certs) }));
    // The keys exist, and are backed up, before the controller starts: without a key it makes one
    // of its own, which no backup holds. The scope policy too, before anything is unsealed.
    const release = new k8s.helm.v3.Release(
      name,
      {
        name: SEALED_SECRETS_RELEASE_NAME,
        chart: SEALED_SECRETS_CHART.name,
        version: settings.chartVersion,
        repositoryOpts: { repo: SEALED_SECRETS_CHART.repository },
        namespace: namespaceName,
        createNamespace: false,
        values,
      },
      { ...k8sOpts, dependsOn: [...keyResources, binding, ...(args.cluster.ready ?? [])] },
    );

    this.namespace = namespaceName;
    this.certificate = this.keys[this.keys.length - 1].certificate;
    this.ready = [release];
    this.registerOutputs({ namespace: this.namespace, certificate: this.certificate });
  }

  /** Generation `generation`: key pair, certificate, active key Secret, Key Vault backup. */
  private sealingKey(
    name: string,
    generation: number,
    ctx: { args: SealedSecretsArgs; ns: string; namespaceName: pulumi.Output<string>; labels: Record<string, string>; protect: boolean },
  ): { secret: k8s.core.v1.Secret; backup: pulumi.Resource; key: SealingKey } {
    const prefix = `${name}-key-${generation}`;
    const keyName = sealingKeyName(generation);
    // RSA 4096, as the controller makes its own (`--key-size` 4096); PKCS#1 PEM, which it parses.
    const privateKey = new tls.PrivateKey(prefix, { algorithm: "RSA", rsaBits: 4096 }, { parent: this, protect: ctx.protect });
    // No early renewal: a renewed certificate (same key) would get a newer NotBefore and make an
    // old generation the sealing one again. Ten years, like the controller's `--key-ttl`.
    const cert = new tls.SelfSignedCert(
      prefix,
      {
        privateKeyPem: privateKey.privateKeyPem,
        subject: { commonName: keyName, organization: "gitops-platform" },
        validityPeriodHours: CERTIFICATE_VALIDITY_HOURS,
        allowedUses: ["key_encipherment", "data_encipherment"],
      },
      { parent: this, protect: ctx.protect },
    );
    const keyLabels = { ...ctx.labels, [SEALING_KEY_LABEL]: "active" };
    const secret = new k8s.core.v1.Secret(
      prefix,
      {
        metadata: { name: keyName, namespace: ctx.namespaceName, labels: keyLabels },
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": cert.certPem, "tls.key": pulumi.secret(privateKey.privateKeyPem) },
      },
      { parent: this, provider: ctx.args.cluster.provider, protect: ctx.protect },
    );
    const manifest = pulumi
      .all([cert.certPem, privateKey.privateKeyPem])
      .apply(([certPem, privateKeyPem]) => sealingKeyManifest({ name: keyName, namespace: ctx.ns, labels: ctx.labels, certPem, privateKeyPem }));
    // Kept in Key Vault when Pulumi lets go of it (Sealed Secrets turned off, fewer generations):
    // the backup is what still decrypts SealedSecrets in Git. Pulumi never deletes it, so no run
    // needs the data plane for it.
    const backup = ctx.args.keyVault.createSecret(
      `${prefix}-backup`,
      { secretName: cert.certPem.apply((pem) => sealingKeyBackupName(generation, pem)), value: pulumi.secret(manifest), contentType: "application/x-yaml" },
      { parent: this, protect: ctx.protect, retainOnDelete: true },
    );
    return { secret, backup, key: { generation, certificate: cert.certPem, backupSecretName: backup.name } };
  }
}

/** Args fields that are set, so that an explicit `undefined` does not hide a default. */
function definedOnly(args: SealedSecretsSettingsArgs): SealedSecretsSettingsArgs {
  return Object.fromEntries(Object.entries({ chartVersion: args.chartVersion, keyGenerations: args.keyGenerations }).filter(([, v]) => v !== undefined));
}
