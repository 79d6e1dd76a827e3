/**
 * The state-machine graph of the local console, drawn as SVG from the ASL itself. Hand-written
 * because no graph-layout package is in node_modules and the console may fetch nothing from a
 * CDN: the order workflow is a small DAG (plus catch edges), which a breadth-first layering
 * draws legibly.
 */

interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly End?: boolean;
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Catch?: readonly { readonly Next: string }[];
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

/** What the graph marks: the state the execution is in (or ended in) and those it went through. */
export interface GraphMarks {
  readonly current?: string;
  readonly visited: ReadonlySet<string>;
  /** The execution's status, so a failed end shows as such. */
  readonly status?: string;
}

const BOX = { width: 190, height: 34, columnGap: 24, rowGap: 46, margin: 16 };

/** Where each state goes next: Next, Default, every Choice and every Catch. */
export function successors(state: AslState): string[] {
  const targets = [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)];
  return [...new Set(targets.filter((t): t is string => typeof t === 'string'))];
}

/** Rows of state names, breadth first from StartAt; states it never reaches go last. */
export function layers(definition: AslDefinition): string[][] {
  const depth = new Map<string, number>([[definition.StartAt, 0]]);
  const queue = [definition.StartAt];
  while (queue.length) {
    const name = queue.shift()!;
    for (const next of successors(definition.States[name] ?? { Type: 'Unknown' })) {
      if (depth.has(next) || !definition.States[next]) continue;
      depth.set(next, depth.get(name)! + 1);
      queue.push(next);
    }
  }
  const rows: string[][] = [];
  for (const [name, d] of depth) (rows[d] ??= []).push(name);
  const unreached = Object.keys(definition.States).filter((name) => !depth.has(name));
  if (unreached.length) rows.push(unreached);
  return rows;
}

/** The graph as an SVG document fragment; each state is a `<g class="state …" data-state="name">`. */
export function renderGraph(definition: AslDefinition, marks: GraphMarks): string {
  const rows = layers(definition);
  const widest = Math.max(...rows.map((row) => row.length));
  const width = BOX.margin * 2 + widest * BOX.width + (widest - 1) * BOX.columnGap;
  const height = BOX.margin * 2 + rows.length * BOX.height + (rows.length - 1) * BOX.rowGap;
  const position = new Map<string, { x: number; y: number }>();
  rows.forEach((row, r) => {
    const rowWidth = row.length * BOX.width + (row.length - 1) * BOX.columnGap;
    row.forEach((name, i) => {
      position.set(name, { x: (width - rowWidth) / 2 + i * (BOX.width + BOX.columnGap), y: BOX.margin + r * (BOX.height + BOX.rowGap) });
    });
  });
  const edges = Object.entries(definition.States).flatMap(([name, state]) =>
    successors(state)
      .filter((next) => position.has(next))
      .map((next) => edge(position.get(name)!, position.get(next)!, marks.visited.has(name) && marks.visited.has(next))),
  );
  const boxes = [...position].map(([name, at]) => box(name, definition.States[name]!, at, marks));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#8a8f98"/></marker></defs>',
    ...edges,
    ...boxes,
    '</svg>',
  ].join('\n');
}

function edge(from: { x: number; y: number }, to: { x: number; y: number }, taken: boolean): string {
  const x1 = from.x + BOX.width / 2;
  const y1 = from.y + BOX.height;
  const x2 = to.x + BOX.width / 2;
  const y2 = to.y;
  const path = y2 > y1 ? `M${x1},${y1} C${x1},${y1 + 24} ${x2},${y2 - 24} ${x2},${y2}` : `M${x1},${y1} C${x1 + 60},${y1 + 40} ${x2 + 60},${y2 - 40} ${x2},${y2}`;
  return `<path class="edge${taken ? ' taken' : ''}" d="${path}" marker-end="url(#arrow)"/>`;
}

function box(name: string, state: AslState, at: { x: number; y: number }, marks: GraphMarks): string {
  const classes = ['state', state.Type.toLowerCase()];
  if (marks.visited.has(name)) classes.push('visited');
  if (marks.current === name) classes.push('current', ...(marks.status === 'FAILED' || marks.status === 'TIMED_OUT' || marks.status === 'ABORTED' ? ['failed'] : []));
  const rounded = state.Type === 'Choice' ? 17 : 6;
  return [
    `<g class="${classes.join(' ')}" data-state="${escapeHtml(name)}"${marks.current === name ? ' aria-current="step"' : ''}>`,
    `<title>${escapeHtml(`${name} (${state.Type})`)}</title>`,
    `<rect x="${at.x}" y="${at.y}" width="${BOX.width}" height="${BOX.height}" rx="${rounded}"/>`,
    `<text x="${at.x + BOX.width / 2}" y="${at.y + BOX.height / 2 + 4}" text-anchor="middle">${escapeHtml(name)}</text>`,
    '</g>',
  ].join('');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
