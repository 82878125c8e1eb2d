/**
 * Spend per day as stacked bars (uPlot: ~50 KB, canvas, fast with a year of days). The chart is
 * a picture for the eye; the table beside it carries the same figures for everyone else.
 */
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { formatUsd } from './format';

/** Distinguishable in light and dark; the last, grey, is for `Other`. */
export const SERIES_COLORS = ['#4f46e5', '#0d9488', '#d97706', '#db2777', '#2563eb', '#7c3aed'];
const OTHER_COLOR = '#94a3b8';

export interface SpendChartProps {
  days: string[];
  keys: string[];
  /** Per key, the spend of each day (not stacked). */
  values: number[][];
  /** How a key reads in the legend. */
  label(key: string): string;
  /** What the chart shows, for screen readers. */
  summary: string;
}

/** Whether the page is dark now (the chart's canvas does not follow CSS by itself). */
function useDarkScheme(): boolean {
  const query = matchMedia('(prefers-color-scheme: dark)');
  const [dark, setDark] = useState(query.matches);
  useEffect(() => {
    const onChange = () => setDark(query.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, [query]);
  return dark;
}

export function SpendChart(props: SpendChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const dark = useDarkScheme();
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const styles = getComputedStyle(element);
    const text = styles.getPropertyValue('--muted').trim() || '#5d6279';
    const grid = styles.getPropertyValue('--border').trim() || '#e1e3ee';
    const times = props.days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
    // Stacked: each series is drawn as the sum of itself and those below it, the top one first so
    // the lower ones paint over it.
    const stacked: number[][] = [];
    let running = props.days.map(() => 0);
    for (const series of props.values) {
      running = running.map((sum, index) => sum + (series[index] ?? 0));
      stacked.push(running);
    }
    const order = props.keys.map((_, index) => index).reverse();
    // Away from the bars the legend gives the whole period; over a bar, that day.
    const totals = props.values.map((series) => series.reduce((sum, value) => sum + value, 0));
    const bars = uPlot.paths.bars?.({ size: [0.7, 48], gap: 1 });
    const plot = new uPlot(
      {
        width: element.clientWidth || 600,
        height: 240,
        legend: { show: true },
        cursor: { points: { show: false } },
        scales: {
          x: { time: true },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
          {
            stroke: text,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid },
            // Wide enough for the longest label (tiny amounts have many digits).
            size: (_u, values) =>
              values ? Math.max(48, ...values.map((value) => value.length * 7.5 + 22)) : 84,
            values: (_u, splits) => splits.map((value) => formatUsd(value)),
          },
        ],
        series: [
          {
            label: 'Day',
            value: (_u, value) =>
              value == null
                ? `last ${props.days.length} days`
                : new Date(value * 1000).toISOString().slice(0, 10),
          },
          ...order.map((index) => {
            const key = props.keys[index]!;
            const color =
              key === 'Other' ? OTHER_COLOR : SERIES_COLORS[index % SERIES_COLORS.length]!;
            return {
              label: props.label(key),
              stroke: color,
              fill: color,
              width: 0,
              ...(bars && { paths: bars }),
              points: { show: false },
              // The legend shows the key's own spend (that day's), not the stacked sum.
              value: (_u: uPlot, _value: number | null, _series: number, day: number | null) =>
                formatUsd(day == null ? (totals[index] ?? 0) : (props.values[index]?.[day] ?? 0)),
            };
          }),
        ],
      },
      [times, ...order.map((index) => stacked[index]!)],
      element,
    );
    const resize = new ResizeObserver(() => {
      plot.setSize({ width: element.clientWidth, height: 240 });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.days, props.keys, props.values, props.label, dark]);
  return <div ref={container} class="spend-chart" role="img" aria-label={props.summary} />;
}
