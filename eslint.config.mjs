// ESLint flat config: typescript-eslint's recommended rules plus the Pulumi plugin, which catches
// Outputs used in template literals (they render as a warning string, not the value).
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
  { ignores: ["node_modules/**", "bin/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@pulumi": pulumi },
    rules: {
      ...Object.fromEntries(Object.keys(pulumi.rules).map((rule) => [`@pulumi/${rule}`, "error"])),
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  // Dependencies run one way (issue 16): the component library stands on its own; the program's
  // config (stacks/), the synth engine (synth/) and the policy pack (policy/) build on it.
  {
    // GitOpsPlatform included: it takes component Args only (stacks/component-args.ts maps config to them).
    files: ["components/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/stacks", "**/stacks/**", "**/synth", "**/synth/**", "**/policy", "**/policy/**"], message: "components/ never imports stacks/, synth/ or policy/: take what you need as Args." }] },
      ],
    },
  },
  {
    files: ["policy/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/synth", "**/synth/**"], message: "policy/ never imports synth/: the types both need live in policy/ (recorded.ts)." }] },
      ],
    },
  },
  {
    // The config's shape (config-shape.ts) and its cross-field rules (rules.ts) do not know each
    // other's wiring: schema.ts imports both, neither imports schema.ts, the shape not the rules.
    files: ["stacks/rules.ts", "stacks/config-shape.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ group: ["./schema", "./rules"], message: "schema.ts wires shape and rules together; import the shape from ./config-shape." }] },
      ],
    },
  },
);
