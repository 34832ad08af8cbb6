// Loaded into every benchmarked process with `node --import`: when the process exits, writes its
// own resource usage (peak RSS, CPU time) to the file named by BENCH_USAGE_FILE. This way the
// benchmark needs neither /usr/bin/time nor anything else outside Node.
import { writeFileSync } from "node:fs";

const target = process.env.BENCH_USAGE_FILE;
if (target) {
  process.on("exit", (code) => {
    const usage = process.resourceUsage();
    writeFileSync(
      target,
      JSON.stringify({
        exitCode: code,
        maxRssKb: usage.maxRSS,
        userMs: usage.userCPUTime / 1000,
        systemMs: usage.systemCPUTime / 1000,
      }),
    );
  });
}
