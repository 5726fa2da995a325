import { vi } from "vitest";

/**
 * Captures the structured log lines (src/lib/logger.ts: info and warn on console.log, error on
 * console.error) printed from now on; `lines()` parses them. Restored by `vi.restoreAllMocks()`.
 */
export function captureLogs(options: { silent?: boolean } = {}): { lines(): Record<string, unknown>[]; text(): string } {
  const spies = (["log", "error"] as const).map((method) => {
    const spy = vi.spyOn(console, method);
    if (options.silent) spy.mockImplementation(() => undefined);
    return spy;
  });
  const raw = () => spies.flatMap((spy) => spy.mock.calls.map(([line]) => String(line)));
  return {
    text: () => raw().join("\n"),
    lines: () =>
      raw().flatMap((line) => {
        try {
          const parsed: unknown = JSON.parse(line);
          return typeof parsed === "object" && parsed !== null ? [Object.fromEntries(Object.entries(parsed))] : [];
        } catch {
          return [];
        }
      }),
  };
}
