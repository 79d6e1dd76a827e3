/**
 * The local workflow console at /console, as the Step Functions console shows a state machine:
 * its executions with their status (named after order ids, so `?q=<order id>` finds one), and
 * per execution its event history and the graph with the current state marked. Pages are
 * rendered on the server from the local Step Functions endpoint's own API (ListExecutions,
 * DescribeExecution, DescribeStateMachineForExecution, GetExecutionHistory): no script, nothing
 * fetched from elsewhere, so it works offline.
 */
import {
  DescribeExecutionCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  type ExecutionListItem,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ENV } from '../../env-names';
import { escapeHtml, renderGraph, type AslDefinition } from './graph';

export const CONSOLE_PATH = '/console';

/** Created on first use: the local stack sets the endpoint and the state machine after the gateway starts. */
let client: SFNClient | undefined;
const sfn = () => (client ??= new SFNClient({}));

/** Answers a request under /console; false when the path is not the console's. */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (url.pathname !== CONSOLE_PATH && !url.pathname.startsWith(`${CONSOLE_PATH}/`)) return false;
  const execution = /^\/console\/executions\/([^/]+)$/.exec(url.pathname)?.[1];
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') send(res, 405, page('Method not allowed', '<p>The console only reads.</p>'));
    else if (url.pathname === CONSOLE_PATH) send(res, 200, await executionsPage(url.searchParams.get('q') ?? ''));
    else if (execution) send(res, 200, await executionPage(decodeURIComponent(execution)));
    else send(res, 404, page('Not found', `<p>No console page at ${escapeHtml(url.pathname)}.</p>`));
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) send(res, 404, page('Not found', `<p>No execution named ${escapeHtml(execution ?? '')}.</p>`));
    else throw error;
  }
  return true;
}

function stateMachineArn(): string {
  const arn = process.env[ENV.stateMachineArn];
  if (!arn) throw new Error('The local workflow has not started yet');
  return arn;
}

const executionArnOf = (name: string) => `${stateMachineArn().replace(':stateMachine:', ':execution:')}:${name}`;

async function executionsPage(query: string): Promise<string> {
  const executions: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn().send(new ListExecutionsCommand({ stateMachineArn: stateMachineArn(), maxResults: 1000, nextToken }));
    executions.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken && executions.length < 5000);
  const shown = executions.filter((e) => (e.name ?? '').includes(query.trim()));
  const rows = shown
    .map(
      (e) =>
        `<tr class="execution" data-status="${e.status}"><td><a href="${CONSOLE_PATH}/executions/${encodeURIComponent(e.name!)}">${escapeHtml(e.name!)}</a></td>` +
        `<td><span class="status ${e.status}">${e.status}</span></td><td>${time(e.startDate)}</td><td>${time(e.stopDate)}</td></tr>`,
    )
    .join('\n');
  return page(
    'Executions',
    `<form method="get" action="${CONSOLE_PATH}"><label>Order id <input name="q" value="${escapeHtml(query)}" placeholder="ord_…"></label> <button>Find</button></form>
<p>${shown.length} of ${executions.length} executions of <code>${escapeHtml(stateMachineArn())}</code>, newest first.</p>
<table><thead><tr><th>Name (order id)</th><th>Status</th><th>Started</th><th>Ended</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

async function executionPage(name: string): Promise<string> {
  const executionArn = executionArnOf(name);
  const [execution, machine, history] = await Promise.all([
    sfn().send(new DescribeExecutionCommand({ executionArn })),
    sfn().send(new DescribeStateMachineForExecutionCommand({ executionArn })),
    historyOf(executionArn),
  ]);
  const { current, visited } = statesOf(history);
  const graph = renderGraph(JSON.parse(machine.definition!) as AslDefinition, { current, visited, status: execution.status });
  const events = history
    .map((event) => {
      const details = detailsOf(event);
      return `<tr class="event" data-type="${event.type}"><td>${event.id}</td><td>${time(event.timestamp)}</td><td>${event.type}</td><td>${escapeHtml(stateNameOf(event) ?? '')}</td><td><code>${escapeHtml(details)}</code></td></tr>`;
    })
    .join('\n');
  return page(
    `Execution ${name}`,
    `<p><a href="${CONSOLE_PATH}">← Executions</a></p>
<dl><dt>Status</dt><dd><span class="status ${execution.status}" id="execution-status">${execution.status}</span></dd>
<dt>Current state</dt><dd id="current-state">${escapeHtml(current ?? '—')}</dd>
<dt>Started</dt><dd>${time(execution.startDate)}</dd><dt>Ended</dt><dd>${time(execution.stopDate)}</dd>
<dt>Input</dt><dd><code>${escapeHtml(execution.input ?? '')}</code></dd>${execution.error ? `<dt>Error</dt><dd><code>${escapeHtml(`${execution.error}: ${execution.cause ?? ''}`)}</code></dd>` : ''}</dl>
<h2>Graph</h2>${graph}
<h2>Event history</h2>
<table id="history"><thead><tr><th>#</th><th>Time</th><th>Type</th><th>State</th><th>Details</th></tr></thead><tbody>${events}</tbody></table>`,
    execution.status === 'RUNNING',
  );
}

async function historyOf(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn().send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The state entered last (where a running execution is, or where an ended one ended) and every state entered. */
export function statesOf(history: readonly HistoryEvent[]): { current?: string; visited: Set<string> } {
  const visited = new Set<string>();
  let current: string | undefined;
  for (const event of history) {
    if (!event.type?.endsWith('StateEntered')) continue;
    current = event.stateEnteredEventDetails?.name;
    if (current) visited.add(current);
  }
  return { current, visited };
}

function stateNameOf(event: HistoryEvent): string | undefined {
  return event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
}

/** A short line of what the event carries: its input, output, error or resource. */
function detailsOf(event: HistoryEvent): string {
  const details = Object.entries(event).find(([key, value]) => key.endsWith('EventDetails') && value)?.[1] as Record<string, unknown> | undefined;
  if (!details) return '';
  const text = ['input', 'output', 'error', 'cause', 'resource', 'parameters'].flatMap((key) =>
    typeof details[key] === 'string' ? [`${key}: ${details[key] as string}`] : [],
  );
  const line = text.join(' · ');
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

const time = (date: Date | undefined) => (date ? date.toISOString().replace('T', ' ').replace('Z', '') : '—');

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#16191f}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e9ebed;vertical-align:top}
code{font:12px ui-monospace,monospace;word-break:break-all}dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px}dt{color:#5f6b7a}
.status{padding:1px 6px;border-radius:8px;background:#e9ebed}.status.RUNNING{background:#d1e7ff}.status.SUCCEEDED{background:#d5f5d5}
.status.FAILED,.status.TIMED_OUT,.status.ABORTED{background:#ffd7d7}
.graph .state rect{fill:#fff;stroke:#8a8f98;stroke-width:1}.graph .state text{font-size:12px;fill:#16191f}
.graph .state.visited rect{fill:#e6f4e6;stroke:#2e8540}.graph .state.current rect{fill:#d1e7ff;stroke:#0972d3;stroke-width:3}
.graph .state.current.failed rect{fill:#ffd7d7;stroke:#d91515}.graph .edge{fill:none;stroke:#c6c6cd}.graph .edge.taken{stroke:#2e8540;stroke-width:2}`;

function page(title: string, body: string, refresh = false): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Crowdstart console</title>
${refresh ? '<meta http-equiv="refresh" content="5">' : ''}<style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
