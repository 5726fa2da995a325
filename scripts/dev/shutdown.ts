/**
 * Ordered clean-up for the long-running dev tools (`npm run dev`, `npm run bench`): resources register a
 * stop function as they start; SIGINT/SIGTERM (or `run()`) stops them in reverse order – the Worker before
 * the endpoint before the database, so nothing is cut off mid-query – then exits. A second Ctrl-C exits at
 * once for the impatient.
 */
export interface Shutdown {
  /** Registers a stop function; they run last-registered first. */
  defer(name: string, stop: () => Promise<void>): void;
  /** Stops everything registered, then exits the process with `code`. */
  run(code: number): Promise<never>;
  readonly started: boolean;
}

const STEP_TIMEOUT_MS = 10_000;

export function installShutdown(log: (line: string) => void): Shutdown {
  const steps: { name: string; stop: () => Promise<void> }[] = [];
  let running: Promise<never> | undefined;

  const run = (code: number): Promise<never> => {
    running ??= (async () => {
      for (const step of steps.reverse()) {
        try {
          await withTimeout(step.stop(), STEP_TIMEOUT_MS, step.name);
        } catch (error) {
          log(`stopping ${step.name} failed: ${error instanceof Error ? error.message : String(error)}`);
          code = code === 0 ? 1 : code;
        }
      }
      process.exit(code);
    })();
    return running;
  };

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (running) {
        log("forced exit");
        process.exit(130);
      }
      log(`${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping…`);
      void run(0);
    });
  }

  return {
    defer: (name, stop) => steps.push({ name, stop }),
    run,
    get started() {
      return running !== undefined;
    },
  };
}

async function withTimeout(promise: Promise<void>, ms: number, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not stop within ${ms / 1000} s`)), ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
