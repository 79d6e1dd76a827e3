/**
 * The local Step Functions service: aws-local-stepfunctions runs the very ASL of the stack, Task
 * states call local handlers, and an endpoint speaking the Step Functions JSON protocol serves
 * the SDK calls of the unchanged code (`AWS_ENDPOINT_URL_SFN`). Executions are persisted under
 * `dataDir` and resumed by the next start. It knows nothing about orders.
 *
 * Modules: definition (ASL rewrites), task-resources (what a Resource means, handler lookup),
 * runner (one execution on the engine), callbacks (task tokens), store (JSON files),
 * history (AWS-shaped events), service (the API actions), protocol (the HTTP endpoint).
 */
import { resolve } from 'node:path';
import { CallbackRegistry } from './callbacks';
import { loadStatesTimeoutError } from './errors';
import { prepareStateMachines } from './machines';
import { serveJsonProtocol } from './protocol';
import { ExecutionRunner } from './runner';
import { createOperations } from './service';
import { ExecutionStore } from './store';
import { TaskHandlerTable } from './task-resources';
import type { ExecutionRecord, ServiceLogger, StepFunctionsService, StepFunctionsServiceOptions } from './types';

export { dynamoDbUpdateItemHandler } from './dynamodb';
export { sqsSendMessageHandler } from './sqs';
export type {
  ServiceLogger,
  StateMachineSpec,
  StepFunctionsService,
  StepFunctionsServiceOptions,
  TaskContext,
  TaskHandler,
} from './types';

const quietLogger: ServiceLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message, ...attributes) => console.warn(`[local-sfn] ${message}`, ...attributes),
  error: (message, ...attributes) => console.error(`[local-sfn] ${message}`, ...attributes),
};

/** Starts the local Step Functions service and resumes the executions left RUNNING in `dataDir`. */
export async function startStepFunctionsService(options: StepFunctionsServiceOptions): Promise<StepFunctionsService> {
  const logger = options.logger ?? quietLogger;
  await loadStatesTimeoutError();
  const handlers = new TaskHandlerTable(options.taskHandlers);
  const { machines, warnings } = prepareStateMachines(options.stateMachines, handlers, {
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
  });
  for (const warning of warnings) logger.warn(warning);

  const store = new ExecutionStore(resolve(options.dataDir), logger);
  const callbacks = new CallbackRegistry();
  const runners = new Map<string, ExecutionRunner>();

  const startRunner = (record: ExecutionRecord): void => {
    const machine = machines.get(record.stateMachineArn);
    if (!machine) {
      logger.warn('Execution left RUNNING: its state machine is not configured', { executionArn: record.executionArn });
      return;
    }
    const runner = new ExecutionRunner(record, { store, callbacks, handlers, logger, definition: machine.definition, tasks: machine.tasks });
    runners.set(record.executionArn, runner);
    runner.start();
    void runner.finished.then(() => {
      if (runners.get(record.executionArn) === runner && runner.isClosed) runners.delete(record.executionArn);
    });
  };

  const operations = createOperations({ machines, store, callbacks, runners, startRunner });
  const { server, port } = await serveJsonProtocol(operations, { port: options.port ?? 0, host: options.host ?? '127.0.0.1', logger });

  // Resume after the endpoint listens: a resumed task may hand out its token at once.
  for (const record of store.all()) {
    if (record.status === 'RUNNING') startRunner(record);
  }

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    stop: async () => {
      const abandoned = [...runners.values()];
      for (const runner of abandoned) runner.abandon();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await Promise.all(abandoned.map((runner) => runner.finished));
    },
  };
}
