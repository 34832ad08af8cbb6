export * from "./schema";
export { parsePlatformConfig, type ParseResult } from "./parse";
export { loadPlatform, ConfigError, type LoadedPlatform } from "./load";
export { PLATFORM_KEY, PROJECT } from "./errors";
export { isProduction, profileFor } from "./profiles";
export { vaultVersionProblem } from "./rules";
