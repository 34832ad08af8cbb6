/**
 * A diagnostic for the benchmark: what the SDK itself costs per resource under synth's mock
 * engine, without the platform's components. Registers N plain ConfigMaps (default 11,500: about
 * the resource count of the 500-tenant config) through `runProgram`, the engine synth uses.
 */
import "../synth/compile-cache";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { runProgram } from "../synth/engine";

export async function registerConfigMaps(count: number): Promise<number> {
  const run = await runProgram(
    () => {
      const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
      const parent = new pulumi.ComponentResource("bench:index:Group", "configmaps", {}, {});
      for (let i = 0; i < count; i++) {
        new k8s.core.v1.ConfigMap(
          `cm-${i}`,
          { metadata: { name: `cm-${i}`, namespace: "bench", labels: { app: "bench" } }, data: { index: String(i) } },
          { provider, parent },
        );
      }
      return {};
    },
    { stack: "bench" },
  );
  return run.resources.length;
}

if (require.main === module) {
  const count = Number(process.argv[2] ?? 11_500);
  registerConfigMaps(count).then(
    (registered) => console.log(`${registered} resources (${count} ConfigMaps, their provider and component, the stack)`),
    (error: unknown) => {
      console.error("sdk-floor failed:", error);
      process.exit(3);
    },
  );
}
