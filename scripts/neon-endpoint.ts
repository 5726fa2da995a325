/**
 * Starts the local Neon HTTP endpoint and prints its URL.
 *
 *   tsx scripts/neon-endpoint.ts [--port 4444] [--host 127.0.0.1] [--max-connections 20] [--quiet]
 *
 * Then point the driver at it: `neonConfig.fetchEndpoint = "<printed url>"`.
 */
import { parseArgs } from "node:util";
import { startNeonEndpoint } from "./neon-endpoint/index.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4444" },
    host: { type: "string", default: "127.0.0.1" },
    "max-connections": { type: "string", default: "20" },
    quiet: { type: "boolean", default: false },
  },
});

function integerOption(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const endpoint = await startNeonEndpoint({
  port: integerOption("port", values.port),
  host: values.host,
  maxConnections: integerOption("max-connections", values["max-connections"]),
  ...(values.quiet ? {} : { log: (line: string) => console.log(line) }),
});
console.log(`local Neon endpoint listening: ${endpoint.url} (control: ${endpoint.origin}/_control/health)`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    endpoint.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
