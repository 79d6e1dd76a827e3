/**
 * The bench's chart: one panel per operation, p50/p95/p99 against the VU count, with the paper's
 * Table 1 figures as dashed lines. Inline SVG in one HTML file (no script, no CDN), so it opens
 * anywhere and can be attached to an issue.
 */
import type { BenchResult } from './index';
import { PAPER_TABLE_1 } from './report';
import { OPERATIONS } from './workload';

const W = 360;
const H = 240;
const PAD = { left: 48, right: 12, top: 28, bottom: 36 };
const SERIES = [
  ['p50', '#1f77b4'],
  ['p95', '#ff7f0e'],
  ['p99', '#d62728'],
] as const;

export function chartHtml(result: BenchResult): string {
  const panels = OPERATIONS.map((op) => panel(op, result)).join('\n');
  const legend = SERIES.map(([name, color]) => `<span style="color:${color}">■ ${name}</span>`).join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Crowdstart bench ${escape(result.startedAt)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px}svg{margin:8px;border:1px solid #ddd}text{font-size:11px}</style></head>
<body><h1>Crowdstart bench</h1>
<p>${escape(result.startedAt)}, ${result.machine.cores} cores (load average at start ${result.machine.loadAverage.join(' ')}), ${result.settings.seconds} s per step.
Latency in ms over HTTP on localhost; dashed: the paper's Table 1. ${legend}</p>
${panels}
</body></html>
`;
}

function panel(op: (typeof OPERATIONS)[number], result: BenchResult): string {
  const steps = result.steps;
  const paper = PAPER_TABLE_1[op];
  const values = steps.flatMap((s) => SERIES.map(([p]) => s.operations[op][p])).filter(Number.isFinite);
  const top = niceCeiling(Math.max(paper.p99, ...values, 1));
  const x = (i: number) => PAD.left + (steps.length === 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (steps.length - 1));
  const y = (ms: number) => H - PAD.bottom - (ms / top) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [`<text x="${W / 2}" y="16" text-anchor="middle" font-weight="bold">${op}</text>`];
  for (let t = 0; t <= 4; t++) {
    const ms = (top * t) / 4;
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(ms)}" y2="${y(ms)}" stroke="#eee"/>`, `<text x="${PAD.left - 4}" y="${y(ms) + 4}" text-anchor="end">${Math.round(ms)}</text>`);
  }
  steps.forEach((s, i) => parts.push(`<text x="${x(i)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${s.vus} VU</text>`));
  for (const [p, color] of SERIES) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(paper[p])}" y2="${y(paper[p])}" stroke="${color}" stroke-dasharray="4 3" opacity="0.6"/>`);
    const points = steps.map((s, i) => [x(i), s.operations[op][p]] as const).filter(([, ms]) => Number.isFinite(ms));
    if (points.length) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(([px, ms]) => `${px},${y(ms)}`).join(' ')}"/>`);
    for (const [px, ms] of points) parts.push(`<circle cx="${px}" cy="${y(ms)}" r="3" fill="${color}"><title>${p} ${ms.toFixed(1)} ms</title></circle>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg>`;
}

function niceCeiling(n: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((v) => v >= n)!;
}

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
