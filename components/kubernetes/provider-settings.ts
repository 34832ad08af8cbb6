/**
 * Settings of the Kubernetes provider that deploys the platform's objects.
 *
 * `enableSecretMutable`: without it, pulumi-kubernetes replaces a Secret whenever its `data` or
 * `stringData` changes (provider/pkg/provider/diff.go, forceNewProperties: `.type`, `.stringData`,
 * `.data` for Secrets unless enableSecretMutable), and a Secret with a fixed name is replaced
 * delete-first (provider.go Diff: deleteBeforeReplace for named objects). A new value for a
 * Secret, such as Vault's TLS Secret when `pulumi up` renews the server certificate, would then
 * leave a window in which the Secret does not exist. With it, a value change is a patch of the
 * live Secret; immutable Secrets (`immutable: true`) and a changed `type` are still replaced.
 * Changing this setting is an update of the provider, never a replacement (DiffConfig replaces
 * only for another cluster, context or render directory).
 */
export const KUBERNETES_PROVIDER_SETTINGS = { enableSecretMutable: true } as const;
