/** Server-Sent Events in tests: a stream's text (`GET /api/runs/:id/events`) as its frames. */
export type Frame = { event: string; data: Record<string, unknown> };

/** The `event:`/`data:` frames of an SSE payload (comments and heartbeats left out). */
export function frames(payload: string): Frame[] {
  return payload
    .split('\n\n')
    .filter((f) => f.includes('event:'))
    .map((f) => {
      const lines = f.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))!.slice(7);
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) as Record<string, unknown>; // prettier-ignore
      return { event, data };
    });
}
