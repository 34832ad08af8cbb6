/**
 * The floor of the benchmark: the same mock engine, with every SDK module the real program
 * imports loaded, running a program that creates nothing. Synth cannot be faster than this.
 */
import "../synth/compile-cache";
import "@pulumi/pulumi";
import "@pulumi/azure-native/authorization";
import "@pulumi/azure-native/containerservice";
import "@pulumi/azure-native/keyvault";
import "@pulumi/azure-native/kubernetesconfiguration";
import "@pulumi/azure-native/managedidentity";
import "@pulumi/azure-native/resources";
import "@pulumi/github";
import "@pulumi/kubernetes";
import "@pulumi/random";
import "@pulumi/tls";
import { runProgram } from "../synth/engine";

export async function runFloor(): Promise<number> {
  const run = await runProgram(() => ({}), { stack: "floor" });
  return run.resources.length;
}

if (require.main === module) {
  runFloor().then(
    (count) => console.log(`floor: ${count} resource(s) registered`),
    (error: unknown) => {
      console.error("floor failed:", error);
      process.exit(3);
    },
  );
}
