import { AspectPriority, Aspects, Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { BUSINESS_METRICS, METRICS_NAMESPACE, metricDimensions, type BusinessMetric } from '../business-metrics';
import type { QueueId } from '../consumers';
import type { QueuePair } from './queues';
import { pathId, type ServiceFunction } from './service-functions';

/** Properties of {@link Monitoring}. */
export interface MonitoringProps {
  /** The stage's tenant: the business metrics carry it as a dimension. */
  readonly tenant: string;
  /**
   * Who the alarm topic e-mails (the subscription must be confirmed from the first message).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  readonly httpApi: IHttpApi;
  /**
   * Every function of the stage, for the dashboard; each one not behind the API gets an errors
   * alarm, and each with reserved concurrency a throttles alarm, on its live alias.
   */
  readonly functions: readonly ServiceFunction[];
  /**
   * The route functions. They get no errors alarm of their own: middy answers their failures
   * with a 500 (which Lambda counts as a success), so the API's 5xx alarm is what sees them.
   * @default - none
   */
  readonly apiFunctions?: ReadonlySet<IFunction>;
  readonly queues: readonly QueuePair[];
  /** The table-stream consumers, whose iterator age says how far behind the stream they are. */
  readonly streamConsumers: readonly IFunction[];
  readonly stateMachine: IStateMachine;
  /**
   * 5xx answers, in percent of requests over a minute, above which the API alarms.
   * @default 1
   */
  readonly apiServerErrorPercent?: number;
  /**
   * The API's p99 latency above which it alarms.
   * @default Duration.seconds(3)
   */
  readonly apiP99Latency?: Duration;
}

/**
 * How old a queue's oldest message may get: the stack's own consumers take theirs within
 * seconds, while merchant integrations poll OrderEvents at their own pace.
 */
const MAX_MESSAGE_AGE: Record<QueueId, Duration> = {
  Fulfillment: Duration.minutes(15),
  StripeWebhooks: Duration.minutes(15),
  OrderEvents: Duration.hours(6),
  // A delivery waits here between its retries (up to 24 h): this old means an endpoint keeps failing.
  WebhookDeliveries: Duration.hours(6),
};

/** How far behind the table stream a consumer may fall before it alarms. */
const MAX_ITERATOR_AGE = Duration.minutes(5);

const MINUTE = Duration.minutes(1);

/**
 * What reaches an operator: the stage's SNS topic, which every alarm of the stack notifies (on
 * alarm and on recovery); the alarms on the golden signals (API 5xx rate and p99 latency, each
 * function's errors and throttles, queue age, stream iterator age, workflow executions timed out
 * or aborted); and a dashboard of those signals and the business metrics.
 */
export class Monitoring extends Construct {
  /** Every alarm of the stack notifies it. */
  readonly topic: Topic;
  readonly apiServerErrorsAlarm: Alarm;
  readonly apiLatencyAlarm: Alarm;
  readonly dashboard: Dashboard;
  private readonly errorsAlarms = new Map<IFunction, Alarm>();
  /** The alarms about the stage as a whole (not one function's), shown on the dashboard. */
  private readonly stageAlarms: Alarm[] = [];
  /** Where the alarms of a nested stack's functions go, by stack. */
  private readonly nestedScopes = new Map<Stack, Construct>();

  constructor(scope: Construct, id: string, private readonly props: MonitoringProps) {
    super(scope, id);
    this.topic = new Topic(this, 'AlarmTopic', { displayName: `Crowdstart ${props.tenant} alarms`, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    notifyOnEveryAlarm(Stack.of(this), this.topic);

    const { httpApi } = props;
    this.apiServerErrorsAlarm = this.alarm('ApiServerErrorsAlarm', {
      description: `More than ${props.apiServerErrorPercent ?? 1} % of API requests answered 5xx`,
      metric: new MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: { errors: httpApi.metricServerError({ period: MINUTE }), requests: httpApi.metricCount({ period: MINUTE }) },
        label: '5xx %',
        period: MINUTE,
      }),
      threshold: props.apiServerErrorPercent ?? 1,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      datapoints: [2, 3],
    });
    const latency = props.apiP99Latency ?? Duration.seconds(3);
    this.apiLatencyAlarm = this.alarm('ApiLatencyAlarm', {
      description: `The API's p99 latency is above ${latency.toMilliseconds()} ms`,
      metric: httpApi.metricLatency({ period: MINUTE, statistic: 'p99' }),
      threshold: latency.toMilliseconds(),
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      datapoints: [3, 5],
    });

    for (const { function: fn, alias, name, reservedConcurrency } of props.functions) {
      if (!props.apiFunctions?.has(fn)) this.errorsAlarms.set(
        fn,
        this.alarm(`${name}ErrorsAlarm`, {
          description: `${fn.node.path} failed (unhandled errors or timeouts)`,
          metric: alias.metricErrors({ period: MINUTE, statistic: 'Sum' }),
          threshold: 1,
          datapoints: [2, 3],
          of: fn,
        }),
      );
      // A function with a reservation throttles at its own ceiling; the others only when the
      // account runs out, which the account-wide alarm below sees (and one alarm fewer each
      // keeps the stack under CloudFormation's 500 resources).
      if (reservedConcurrency === undefined) continue;
      this.alarm(`${name}ThrottlesAlarm`, {
        description: `${fn.node.path} was throttled: it needs more than its ${reservedConcurrency} reserved executions`,
        metric: alias.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        of: fn,
      });
    }
    this.alarm('AccountThrottlesAlarm', {
      description: "Lambda throttled invocations in this account and region: the unreserved concurrency the stage's other functions share ran out",
      metric: LambdaFunction.metricAllThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
    });

    for (const { definition, queue } of props.queues) {
      const maxAge = MAX_MESSAGE_AGE[definition.id];
      this.alarm(`${definition.id}MessageAgeAlarm`, {
        description: `The oldest message of the ${definition.id} queue is older than ${maxAge.toHumanString()}: its consumer is behind or failing`,
        metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: maxAge.toSeconds(),
      });
    }

    for (const fn of props.streamConsumers) {
      this.alarm(`${pathId(fn)}IteratorAgeAlarm`, {
        description: `${fn.node.path} is more than ${MAX_ITERATOR_AGE.toHumanString()} behind the table stream`,
        metric: fn.metric('IteratorAge', { period: MINUTE, statistic: 'Maximum' }),
        threshold: MAX_ITERATOR_AGE.toMilliseconds(),
        datapoints: [3, 5],
        of: fn,
      });
    }

    // Failed executions already alarm in OrderWorkflow; these are the two other ways one ends badly.
    this.alarm('ExecutionsTimedOutAlarm', {
      description: 'An order workflow execution timed out: an order is stuck and needs an operator',
      metric: props.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
    });
    this.alarm('ExecutionsAbortedAlarm', {
      description: 'An order workflow execution was stopped: its order may hold stock or money and needs an operator',
      metric: props.stateMachine.metricAborted({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
    });

    // The audit jobs emit their findings' count every run (0 included); any finding needs an operator.
    for (const [id, metric, what] of [
      ['StockDiscrepanciesAlarm', BUSINESS_METRICS.stockDiscrepancies, 'The stock auditor found counters that disagree with carts and orders'],
      ['PaymentDiscrepanciesAlarm', BUSINESS_METRICS.paymentDiscrepancies, 'The payment reconciler found a payment it cannot square with an order'],
    ] as const) {
      this.alarm(id, {
        description: `${what}: see GET /admin/audit and the job's log`,
        metric: businessMetric(metric, props.tenant, 'Maximum', Duration.hours(1), false),
        threshold: 1,
      });
    }

    this.dashboard = this.createDashboard();
  }

  /** The alarm on a function's errors; undefined for the route functions (see `apiFunctions`). */
  errorsAlarmOf(fn: IFunction): Alarm | undefined {
    return this.errorsAlarms.get(fn);
  }

  private alarm(
    id: string,
    options: {
      description: string;
      metric: IMetric;
      threshold: number;
      comparison?: ComparisonOperator;
      /** [datapoints to alarm, of evaluation periods] */
      datapoints?: [number, number];
      /** The function the alarm watches: it is that function's alarm, not the stage's. */
      of?: IConstruct;
    },
  ): Alarm {
    const [datapointsToAlarm, evaluationPeriods] = options.datapoints ?? [1, 1];
    const alarm = new Alarm(options.of ? this.scopeFor(options.of) : this, id, {
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods,
      datapointsToAlarm,
      // No traffic is no failure; an idle stage stays OK.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (!options.of) this.stageAlarms.push(alarm);
    return alarm;
  }

  /**
   * Where a function's alarms go: its own stack. Its deployment group there rolls back on its
   * errors alarm, and an alarm in the parent watching a nested stack's function would make the
   * two stacks depend on each other.
   */
  private scopeFor(fn: IConstruct): Construct {
    const stack = Stack.of(fn);
    if (stack === Stack.of(this)) return this;
    let scope = this.nestedScopes.get(stack);
    if (!scope) {
      scope = new Construct(stack, 'Monitoring');
      this.nestedScopes.set(stack, scope);
    }
    return scope;
  }

  private createDashboard(): Dashboard {
    const { httpApi, functions, queues, streamConsumers, stateMachine, tenant } = this.props;
    /** One line summing a metric over every function; `idPrefix` keeps two such lines apart in one graph. */
    const all = (label: string, idPrefix: string, metricOf: (fn: ServiceFunction) => IMetric) =>
      new MathExpression({
        expression: `SUM(METRICS('${idPrefix}'))`,
        usingMetrics: Object.fromEntries(functions.map((fn, i) => [`${idPrefix}${i}`, metricOf(fn)])),
        label,
        period: MINUTE,
      });
    const business = (metric: BusinessMetric) => businessMetric(metric, tenant, metric.statistic, Duration.minutes(5));
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width, height: 6 });
    const m = BUSINESS_METRICS;

    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(
      new TextWidget({ markdown: `# Crowdstart ${tenant}\nGolden signals of the stage, then its business.`, width: 24, height: 2 }),
    );
    dashboard.addWidgets(
      graph('API requests', [httpApi.metricCount({ period: MINUTE, statistic: 'Sum' })]),
      graph('API errors', [
        httpApi.metricServerError({ period: MINUTE, statistic: 'Sum', label: '5xx' }),
        httpApi.metricClientError({ period: MINUTE, statistic: 'Sum', label: '4xx' }),
      ]),
      graph('API latency', [
        httpApi.metricLatency({ period: MINUTE, statistic: 'p50', label: 'p50' }),
        httpApi.metricLatency({ period: MINUTE, statistic: 'p99', label: 'p99' }),
        httpApi.metricIntegrationLatency({ period: MINUTE, statistic: 'p99', label: 'integration p99' }),
      ]),
    );
    dashboard.addWidgets(
      graph('Lambda invocations (all functions)', [all('Invocations', 'i', (fn) => fn.alias.metricInvocations({ period: MINUTE, statistic: 'Sum' }))]),
      graph('Lambda errors and throttles (all functions)', [
        all('Errors', 'e', (fn) => fn.alias.metricErrors({ period: MINUTE, statistic: 'Sum' })),
        all('Throttles', 't', (fn) => fn.alias.metricThrottles({ period: MINUTE, statistic: 'Sum' })),
      ]),
      graph('Workflow executions', [
        stateMachine.metricStarted({ period: Duration.minutes(5), label: 'started' }),
        stateMachine.metricSucceeded({ period: Duration.minutes(5), label: 'succeeded' }),
        stateMachine.metricFailed({ period: Duration.minutes(5), label: 'failed' }),
        stateMachine.metricTimedOut({ period: Duration.minutes(5), label: 'timed out' }),
        stateMachine.metricAborted({ period: Duration.minutes(5), label: 'aborted' }),
      ]),
    );
    const perQueue = (metricOf: (queue: IQueue, label: string) => IMetric, of: 'queue' | 'deadLetterQueue') =>
      queues.map((pair) => metricOf(pair[of], pair.definition.id));
    dashboard.addWidgets(
      graph('Queue depth', perQueue((q, label) => q.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label }), 'queue')),
      graph('Oldest message age (s)', perQueue((q, label) => q.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', label }), 'queue')),
      graph('Dead letters', perQueue((q, label) => q.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label }), 'deadLetterQueue')),
    );
    dashboard.addWidgets(
      graph(
        'Stream iterator age (ms)',
        streamConsumers.map((fn) => fn.metric('IteratorAge', { period: MINUTE, statistic: 'Maximum', label: fn.node.id })),
      ),
      graph('Orders', [m.ordersPlaced, m.ordersPaid, m.ordersPaymentFailed, m.ordersCancelled, m.ordersRefunded].map(business)),
      graph('Stock', [m.stockOuts, m.holdsExpired].map(business)),
    );
    dashboard.addWidgets(graph('Audits', [m.stockDiscrepancies, m.paymentDiscrepancies, m.paymentsRepaired].map(business), 24));
    dashboard.addWidgets(
      graph('Stripe webhook lag (ms, p99)', [business(m.webhookLagMs)]),
      new AlarmStatusWidget({
        title: 'Stage alarms',
        alarms: this.stageAlarms,
        width: 16,
        height: 6,
      }),
    );
    return dashboard;
  }
}

/** A business metric of the stage's tenant. */
function businessMetric(metric: BusinessMetric, tenant: string, statistic: string, period: Duration, labelled = true): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: metric.name,
    dimensionsMap: metricDimensions(tenant),
    statistic,
    period,
    ...(labelled ? { label: metric.name } : {}),
  });
}

/** Every alarm of the stack, made before or after this call, notifies `topic` when it fires and when it clears. */
function notifyOnEveryAlarm(stack: Stack, topic: Topic): void {
  const action = new SnsAction(topic);
  Aspects.of(stack).add(
    {
      visit(node: IConstruct) {
        if (node instanceof Alarm) {
          node.addAlarmAction(action);
          node.addOkAction(action);
        }
      },
    },
    { priority: AspectPriority.MUTATING },
  );
}
