/**
 * Argument-free invokes (the caller's client config, GitHub's SSH host keys) made once per stack
 * and provider instead of once per resource: their answer depends on nothing but the provider
 * they run in. The SDK sends an invoke with the provider its options resolve to
 * (runtime/invoke.js, `getProvider`: `opts.provider`, else the parent's provider for the
 * token's package); the parent itself is not part of the request nor of the result's
 * dependencies, so callers under different parents with the same provider share one answer.
 */
import * as pulumi from "@pulumi/pulumi";
import { getStackResource } from "@pulumi/pulumi/runtime/stack";

type Invoke<T> = (opts?: pulumi.InvokeOutputOptions) => pulumi.Output<T>;

/** The default provider of the token's package (no explicit one in the options). */
const DEFAULT_PROVIDER = {};

/** Per stack run (tests run many in one process), per token, per provider. */
const shared = new WeakMap<object, Map<string, Map<object, pulumi.Output<unknown>>>>();

/** The provider the SDK sends `token` with, for these options. */
export function invokeProvider(token: string, opts: pulumi.InvokeOutputOptions = {}): pulumi.ProviderResource | undefined {
  return opts.provider ?? opts.parent?.getProvider(token);
}

/**
 * `invoke(opts)`, made once per stack, token and provider. Options that make a request of their
 * own (dependencies, a version, a plugin URL) are not shared.
 */
export function sharedInvoke<T>(token: string, invoke: Invoke<T>, opts: pulumi.InvokeOutputOptions = {}): pulumi.Output<T> {
  const stack = getStackResource();
  const own = opts.dependsOn !== undefined || opts.version !== undefined || opts.pluginDownloadURL !== undefined;
  if (!stack || own) return invoke(opts);
  let byToken = shared.get(stack);
  if (!byToken) shared.set(stack, (byToken = new Map()));
  let byProvider = byToken.get(token);
  if (!byProvider) byToken.set(token, (byProvider = new Map()));
  const key = invokeProvider(token, opts) ?? DEFAULT_PROVIDER;
  let result = byProvider.get(key) as pulumi.Output<T> | undefined;
  if (!result) byProvider.set(key, (result = invoke(opts)));
  return result;
}
