import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import type { UsageRow } from '../api/types';
import type { DayPoint } from '../lib/usage-days';
import { compact, dayLabel, int } from '../lib/format';
import { usd } from '../lib/cost';

/** Stack order, bottom to top; colours come from CSS variables so both themes fit. */
const LAYERS: { key: keyof UsageRow; label: string; color: string }[] = [
  { key: 'input_tokens', label: 'Input', color: '--chart-1' },
  { key: 'cache_read_input_tokens', label: 'Cache read', color: '--chart-2' },
  { key: 'cache_write_input_tokens', label: 'Cache write', color: '--chart-3' },
  { key: 'output_tokens', label: 'Output', color: '--chart-4' },
];

/** The cost chart: one layer, USD per day at the current prices (SPEC §11). */
const COST_LAYERS: typeof LAYERS = [{ key: 'cost_usd', label: 'Cost (USD)', color: '--chart-1' }];

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

/**
 * Tokens per day as stacked bars (or, with `cost`, USD per day as plain bars). uPlot has no stacking of its own: each series is drawn as the
 * running sum up to its layer, tallest first, so the shorter ones paint over it; the legend
 * shows each layer's own value.
 */
function build(el: HTMLElement, days: DayPoint[], width: number, cost = false): uPlot {
  const layers = cost ? COST_LAYERS : LAYERS;
  const fmtAxis = cost ? (n: number) => usd(n) : compact;
  const fmtValue = cost ? (n: number) => usd(n) : int;
  const xs = days.map((d) => d.t / 1000);
  const raw = layers.map((l) => days.map((d) => Number(d.row[l.key] ?? 0)));
  const cumulative: number[][] = [];
  raw.forEach((vals, i) => cumulative.push(vals.map((v, j) => v + (i > 0 ? (cumulative[i - 1]?.[j] ?? 0) : 0))));
  const order = layers.map((_, i) => layers.length - 1 - i);
  const bars = uPlot.paths.bars?.({ size: [0.7, 48], radius: 0 });
  const axisColor = css('--text-muted');
  const gridColor = css('--border');

  const opts: uPlot.Options = {
    width,
    height: 280,
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true, range: (_u, min, max) => [min - 43200, max + 43200] }, y: { range: (_u, _min, max) => [0, Math.max(cost ? 0.01 : 10, max * 1.08)] } },
    axes: [
      { stroke: axisColor, grid: { show: false }, ticks: { stroke: gridColor }, values: (_u, splits) => splits.map((s) => dayLabel(s * 1000)), space: 60 },
      { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { show: false }, values: (_u, splits) => splits.map((s) => fmtAxis(s)), size: cost ? 64 : 56 },
    ],
    series: [
      { label: 'Day', value: (_u, v) => (v === null ? 'whole range' : dayLabel(v * 1000)) },
      ...order.map((i) => {
        const layer = layers[i]!;
        const color = css(layer.color);
        return {
          label: layer.label,
          fill: color,
          stroke: color,
          width: 0,
          paths: bars,
          points: { show: false },
          // Hovering a day shows that day's figure; otherwise the total for the range.
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => fmtValue(idx === null ? (raw[i] ?? []).reduce((a, b) => a + b, 0) : (raw[i]?.[idx] ?? 0)),
        } satisfies uPlot.Series;
      }),
    ],
  };
  const data: uPlot.AlignedData = [xs, ...order.map((i) => cumulative[i] ?? [])];
  return new uPlot(opts, data, el);
}

export function UsageChart({ days, cost = false }: { days: DayPoint[]; cost?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || days.length === 0) return;
    let plot = build(el, days, el.clientWidth || 600, cost);
    const ro = new ResizeObserver(() => plot.setSize({ width: el.clientWidth || 600, height: 280 }));
    ro.observe(el);
    // Follow the OS theme switch: rebuild with the new palette.
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const onTheme = () => { plot.destroy(); plot = build(el, days, el.clientWidth || 600, cost); };
    mq.addEventListener('change', onTheme);
    return () => { ro.disconnect(); mq.removeEventListener('change', onTheme); plot.destroy(); };
  }, [days, cost]);

  if (cost) {
    const usdTotal = days.reduce((n, d) => n + (d.row.cost_usd ?? 0), 0);
    return <div ref={ref} class="chart" role="img" aria-label={`Cost per day in USD at the current prices: ${usd(usdTotal)} over ${days.length} days. The same numbers are in the table below.`} />;
  }
  const total = days.reduce((n, d) => n + LAYERS.reduce((m, l) => m + Number(d.row[l.key] ?? 0), 0), 0);
  return <div ref={ref} class="chart" role="img" aria-label={`Tokens per day, stacked by input, cache read, cache write and output: ${int(total)} tokens over ${days.length} days. The same numbers are in the table below.`} />;
}
