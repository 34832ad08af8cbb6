/**
 * Config rules of the tenants' runtime options (issue 22): what a tenant asks of an add-on needs
 * the add-on.
 */
import type { ParsedPlatform } from "./config-shape";

type Report = (path: (string | number)[], message: string) => void;

export function checkTenantRuntime({ flagger, tenants }: ParsedPlatform, report: Report): void {
  tenants.forEach((tenant, i) => {
    if (tenant.flagger.loadTester && !flagger.enabled) {
      report(["tenants", i, "flagger", "loadTester"], "needs Flagger: set flagger.enabled, or leave the load tester off");
    }
  });
}
