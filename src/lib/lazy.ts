/**
 * A value built on its first use – typically a module's `import()` – and kept for the isolate; a failed build
 * (an exception, a module that did not load) is retried by the next caller instead of being remembered.
 * What only some requests need is loaded this way instead of at start-up (docs/start-up.md).
 */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    if (value === undefined) {
      const building = build();
      value = building;
      building.catch(() => {
        if (value === building) value = undefined;
      });
    }
    return value;
  };
}
