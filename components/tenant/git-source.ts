/**
 * A tenant's GitHub repository as a Flux source: a read-only deploy key, the SSH Secret
 * source-controller reads (private key + GitHub's host keys), a GitRepository and a
 * Kustomization applying one path of it as the tenant's reconciler, all in the tenant namespace.
 * Optionally creates the repository itself, private, with a reviewed-PR-only default branch.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as github from "@pulumi/github";
import * as tls from "@pulumi/tls";
import { githubSshUrl, gitRepository, kustomization, objectName } from "../kubernetes/flux-manifests";
import { fluxResource } from "../kubernetes/flux-resource";
import { sharedInvoke } from "../shared-invoke";
import { knownHosts } from "../kubernetes/known-hosts";
import { GUARDRAIL_LABEL, managedLabels } from "../kubernetes/labels";

export interface GitSourceArgs {
  /** Kubernetes provider of the cluster; the ambient default is never used. */
  provider: k8s.Provider;
  /** `owner/name` on github.com. */
  repository: string;
  /** Branch Flux follows. */
  branch: string;
  /** Path in the repository to apply, e.g. `./envs/dev`. */
  path: string;
  /** How often Flux fetches and reconciles, a Go duration such as "5m". */
  interval: string;
  /** How long apply and health checks may take. Default "5m". */
  timeout?: string;
  /** Create the repository (private, initialised) with a protected default branch. Default false. */
  create?: boolean;
  /** The tenant namespace all objects go in, and the Kustomization's target namespace. */
  namespace: pulumi.Input<string>;
  /** The account the Kustomization impersonates (Tenant.serviceAccountName). */
  serviceAccountName: pulumi.Input<string>;
  /** Decrypt SOPS-encrypted Secrets (needs Flux installed with `sops`). */
  sops: boolean;
  /**
   * What the Kubernetes objects must wait for: the Flux install (Flux.ready, it brings the CRDs),
   * and the tenant (Tenant.ready: its namespace, and the RBAC the first reconcile impersonates).
   * With `namespace` given as a plain string, this is the only thing that orders the Secret
   * after its namespace.
   */
  fluxReady?: pulumi.Input<pulumi.Resource>[];
  /** Cluster name, for the deploy key's title on GitHub. */
  clusterName?: pulumi.Input<string>;
  /** Name of the GitRepository and Kustomization. Default: the repository name as a DNS label. */
  objectName?: string;
  /**
   * The tenant pushes image updates to this repository (Flux image automation): the deploy key
   * can write, and the SSH Secret holds it, since image-automation-controller pushes with the
   * GitRepository's own credentials. Default: none, a read-only key.
   */
  imageAutomation?: GitImageAutomationArgs;
}

export interface GitImageAutomationArgs {
  /**
   * The branch ImageUpdateAutomation pushes to (`spec.git.push.branch`); the controller creates
   * it from the followed branch when it does not exist. Default IMAGE_UPDATE_BRANCH. It must not
   * be the followed branch when `create` protects that one: GitHub refuses a deploy key's push to
   * a branch that requires reviewed pull requests, so updates land on this branch and reach the
   * followed one through a pull request.
   */
  pushBranch?: string;
}

/** Where image automation pushes by default: a branch of its own, merged through a reviewed pull request. */
export const IMAGE_UPDATE_BRANCH = "flux/image-updates";

/** Whether a deploy key may push: only for image automation. */
export function deployKeyReadOnly(imageAutomation: GitImageAutomationArgs | undefined): boolean {
  return imageAutomation === undefined;
}

export class GitSource extends pulumi.ComponentResource {
  /** `ssh://git@github.com/<owner>/<name>`, what the GitRepository fetches. */
  readonly repositoryUrl: pulumi.Output<string>;
  /** The deploy key's OpenSSH public key, as registered on GitHub. */
  readonly deployKeyPublic: pulumi.Output<string>;
  /** Name of the GitRepository in the tenant namespace. */
  readonly gitRepositoryName: pulumi.Output<string>;
  /** Name of the Kustomization in the tenant namespace. */
  readonly kustomizationName: pulumi.Output<string>;
  /** Name of the SSH Secret (`identity`, `known_hosts`). */
  readonly secretName: pulumi.Output<string>;
  /** The branch image automation pushes to, when it is on (GitSourceArgs.imageAutomation). */
  readonly imageUpdateBranch?: pulumi.Output<string>;

  constructor(name: string, args: GitSourceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:kubernetes:GitSource", name, {}, opts);
    const url = githubSshUrl(args.repository);
    const repoName = args.repository.split("/")[1];
    const fluxName = args.objectName ?? objectName(repoName);
    const pushBranch = args.imageAutomation ? (args.imageAutomation.pushBranch ?? IMAGE_UPDATE_BRANCH) : undefined;
    if (args.create && pushBranch === args.branch) {
      throw new pulumi.RunError(
        `GitSource ${name}: image automation cannot push to ${args.branch}, the branch this component protects with reviewed pull requests (GitHub refuses the deploy key's push); push to another branch (default ${IMAGE_UPDATE_BRANCH})`,
      );
    }
    // GitHub resources take their provider from this component's options (`providers: { github }`,
    // whose owner must be the repository's owner), like any provider other than the cluster's.
    const githubOpts = { parent: this };
    const k8sOpts = { parent: this, provider: args.provider };
    // Guardrail-labelled: the tenant whose namespace these live in may not change them (tenantGuardrailPolicy).
    const labels = { ...managedLabels(), [GUARDRAIL_LABEL]: "true" };

    // The repository, when this component owns it; the deploy key then waits for it.
    let repository: pulumi.Input<string> = repoName;
    let keyDependsOn: pulumi.Resource[] = [];
    if (args.create) {
      const repo = new github.Repository(
        `${name}-repo`,
        // Archived, not deleted, when the stack lets go of it: the tenant's history survives.
        { name: repoName, visibility: "private", autoInit: true, archiveOnDestroy: true, deleteBranchOnMerge: true, vulnerabilityAlerts: true },
        githubOpts,
      );
      repository = repo.name;
      // auto_init creates the owner's default branch (main); rename it when Flux follows another.
      const defaultBranch =
        args.branch === "main"
          ? undefined
          : new github.BranchDefault(`${name}-default-branch`, { repository: repo.name, branch: args.branch, rename: true }, githubOpts);
      const protection = new github.BranchProtection(
        `${name}-protection`,
        {
          repositoryId: repo.nodeId,
          pattern: args.branch,
          enforceAdmins: true,
          allowsForcePushes: false,
          allowsDeletions: false,
          requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1, dismissStaleReviews: true, requireLastPushApproval: true }],
        },
        { ...githubOpts, dependsOn: defaultBranch ? [defaultBranch] : [] },
      );
      keyDependsOn = [repo, protection];
    }

    // A key that can push is a key pair of its own (its own logical name): turning image
    // automation on or off creates the new pair and deploy key before deleting the old, whereas
    // flipping readOnly in place would replace the deploy key with the same public key, which
    // GitHub refuses while the old one exists ("key is already in use").
    const keyName = args.imageAutomation ? `${name}-write-deploy-key` : `${name}-deploy-key`;
    const key = new tls.PrivateKey(keyName, { algorithm: "ED25519" }, { parent: this });
    const title = pulumi.interpolate`flux ${args.clusterName ?? "cluster"}/${args.namespace}`;
    new github.RepositoryDeployKey(
      keyName,
      // Read-only unless the tenant opted in to image automation, which pushes with this key (the
      // policy deploy-keys-read-only checks that). Set explicitly, the provider documents no default.
      { repository, title, key: key.publicKeyOpenssh, readOnly: deployKeyReadOnly(args.imageAutomation) },
      { ...githubOpts, dependsOn: keyDependsOn },
    );

    const hostKeys = sharedInvoke("github:index/getSshKeys:getSshKeys", github.getSshKeysOutput, githubOpts).keys;
    const secretName = `${fluxName}-git`;
    const secret = new k8s.core.v1.Secret(
      `${name}-git-secret`,
      {
        metadata: { name: secretName, namespace: args.namespace, labels },
        stringData: { identity: pulumi.secret(key.privateKeyOpenssh), known_hosts: hostKeys.apply((keys) => knownHosts(keys)) },
      },
      // fluxReady holds the tenant's namespace: a plain namespace name brings no ordering.
      { ...k8sOpts, dependsOn: args.fluxReady ?? [] },
    );

    const fluxOpts = { ...k8sOpts, dependsOn: [...(args.fluxReady ?? []), secret] };
    const source = fluxResource(
      `${name}-source`,
      gitRepository({ url, branch: args.branch, interval: args.interval, secretName }),
      { name: fluxName, namespace: args.namespace, labels },
      fluxOpts,
    );
    const sync = fluxResource(
      `${name}-sync`,
      kustomization<pulumi.Input<string>>({
        source: { kind: "GitRepository", name: fluxName },
        path: args.path,
        interval: args.interval,
        timeout: args.timeout ?? "5m",
        serviceAccountName: args.serviceAccountName,
        targetNamespace: args.namespace,
        sops: args.sops,
      }),
      { name: fluxName, namespace: args.namespace, labels },
      { ...fluxOpts, dependsOn: [...fluxOpts.dependsOn, source] },
    );

    this.repositoryUrl = pulumi.output(url);
    this.deployKeyPublic = key.publicKeyOpenssh;
    this.gitRepositoryName = source.metadata.name;
    this.kustomizationName = sync.metadata.name;
    this.secretName = secret.metadata.name;
    this.imageUpdateBranch = pushBranch === undefined ? undefined : pulumi.output(pushBranch);
    this.registerOutputs({
      imageUpdateBranch: this.imageUpdateBranch,
      repositoryUrl: this.repositoryUrl,
      deployKeyPublic: this.deployKeyPublic,
      gitRepositoryName: this.gitRepositoryName,
      kustomizationName: this.kustomizationName,
    });
  }
}
