/**
 * JSON text of values readers return, as `bragg info --json` prints them: bigints as strings,
 * typed arrays as lists (Fastify's serializer knows neither).
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      return Array.from(v as unknown as ArrayLike<number | bigint>, (x) =>
        typeof x === 'bigint' ? x.toString() : x,
      );
    }
    return v;
  });
}
