/**
 * Reads the stack config from Pulumi and validates it. With index.ts, the only code that reads
 * Pulumi config: components take typed args.
 */
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { PLATFORM_KEY, PROJECT, problemAt } from "./errors";
import { parsePlatformConfig } from "./parse";
import type { PlatformConfig } from "./schema";

/**
 * A stack config that cannot be used. A RunError, so the real engine prints the problems
 * without a stack trace; synth prints them and exits 1.
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(`Invalid stack config:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }

  static isConfigError(error: unknown): error is ConfigError {
    return error instanceof Error && error.name === "ConfigError" && Array.isArray((error as ConfigError).problems);
  }
}

/**
 * Whether a config value was set with --secret. The SDK keeps this function internal (untyped),
 * but it is the only way to refuse a webhook address committed in plain text.
 */
const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret;

export interface LoadedPlatform {
  readonly config: PlatformConfig;
  /** Webhook address of each Flux notification, by notification name; always secret. */
  readonly notificationAddresses: Readonly<Record<string, pulumi.Output<string>>>;
}

export interface LoadOptions {
  /** The day to judge calendar-bound rules by (Kubernetes support). Default: today (stacks/clock.ts). */
  today?: Date;
}

/** Loads `gitops-platform:platform` and the secrets it names; throws ConfigError listing every problem. */
export function loadPlatform(options: LoadOptions = {}): LoadedPlatform {
  const config = new pulumi.Config(PROJECT);
  const text = config.get("platform");
  let raw: unknown;
  try {
    raw = text === undefined ? undefined : JSON.parse(text);
  } catch {
    throw new ConfigError([problemAt([], "must be an object of config sections (environment, cluster, ...)")]);
  }
  const parsed = parsePlatformConfig(raw, pulumi.getStack(), { today: options.today });
  if (!parsed.ok) throw new ConfigError(parsed.problems);

  const problems: string[] = [];
  const notificationAddresses: Record<string, pulumi.Output<string>> = {};
  parsed.config.flux.notifications.forEach((notification, i) => {
    const key = `${PROJECT}:${notification.addressSecret}`;
    const path = ["flux", "notifications", i, "addressSecret"];
    const value = config.getSecret(notification.addressSecret);
    if (value === undefined) {
      problems.push(problemAt(path, `config key ${key} is not set (pulumi config set --secret ${notification.addressSecret} <url>)`));
    } else if (!isConfigSecret(key)) {
      problems.push(problemAt(path, `config key ${key} holds a webhook address in plain text: set it with --secret`));
    } else {
      notificationAddresses[notification.name] = value;
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: parsed.config, notificationAddresses };
}

export { PLATFORM_KEY };
