/** `aibridge-2026-11-26.jsonl` (local date), `aibridge-2026-11-26.ecs.jsonl` / `.ocsf.jsonl` for ECS / OCSF — as the gateway names it. */
export function exportFileName(format: string, now = new Date()): string {
  const d = (x: Date) => `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, '0')}-${String(x.getDate()).padStart(2, '0')}`;
  return `aibridge-${d(now)}${format === 'jsonl' ? '' : `.${format}`}.jsonl`;
}
