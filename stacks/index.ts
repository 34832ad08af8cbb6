export * from "./schema";
export { parsePlatformConfig, type ParseOptions, type ParseResult } from "./parse";
export { loadPlatform, ConfigError, type LoadedPlatform, type LoadOptions } from "./load";
export { PLATFORM_KEY, PROJECT } from "./errors";
export { isProduction, profileFor } from "./profiles";
export { vaultVersionProblem } from "./rules";
export {
  AKS_KUBERNETES_VERSIONS,
  DEFAULT_KUBERNETES_VERSION,
  kubernetesVersionProblem,
  supportedMinors,
  type AksMinorVersion,
} from "./kubernetes-versions";
