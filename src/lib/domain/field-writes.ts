// A map field's writes as Yjs keeps them: the current value's item and, to its
// left, earlier ones — including a concurrent write that lost (integrated
// already deleted). The history (history.ts) and the concurrent-edit notices
// (concurrent.ts) both read a field's writes this way.
import * as Y from 'yjs';

/** Every write of `field` in `map` the document still holds, newest (the value shown) first. */
export function fieldWrites(map: Y.Map<unknown>, field: string): Y.Item[] {
  const items = (map as Y.Map<unknown> & { _map: Map<string, Y.Item> })._map;
  const writes: Y.Item[] = [];
  for (let w: Y.Item | null = items.get(field) ?? null; w; w = w.left) writes.push(w);
  return writes;
}

/** The plain value a write carries; undefined for a nested type or garbage-collected content. */
export function writtenValue(content: unknown): unknown {
  return content instanceof Y.ContentAny ? content.arr[0] : undefined;
}
