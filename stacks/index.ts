export * from "./schema";
export { parsePlatformConfig, type ParseOptions, type ParseResult } from "./parse";
export { platformArgs } from "./component-args";
export { loadPlatform, ConfigError, PREVIOUS_DEPLOYMENT, type LoadedPlatform, type LoadOptions } from "./load";
export { DEPLOYED_SETTINGS_OUTPUT, deployedSettingsOf, immutableChangeProblems, readDeployedSettings, type DeployedSettings } from "./deployed";
export { PLATFORM_KEY, PROJECT } from "./errors";
export { isProduction, environmentDefaults } from "./environments";
export { vaultVersionProblem } from "./rules";
export {
  AKS_KUBERNETES_VERSIONS,
  DEFAULT_KUBERNETES_VERSION,
  kubernetesVersionProblem,
  supportedMinors,
  type AksMinorVersion,
} from "./kubernetes-versions";
