import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  LogGroupLogDestination,
  type HttpStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routeId, type RouteDefinition } from '../routes';
import type { ServiceFunctions } from './service-functions';

/** Properties of {@link CrowdstartApi}. */
export interface CrowdstartApiProps {
  /** The route table (lib/routes.ts). */
  readonly routes: readonly RouteDefinition[];
  /** The factory that builds and grants each route's function. */
  readonly functions: ServiceFunctions;
  /** Name of the API; prefix it with the stack so two tenants never share one. */
  readonly apiName: string;
  /** `iss` the JWT authorizer trusts. */
  readonly jwtIssuer: string;
  /** Accepted `aud` / `client_id` values. */
  readonly jwtAudience: readonly string[];
  /** Stage-wide steady-state requests per second. */
  readonly throttleRateLimit: number;
  /** Stage-wide burst. */
  readonly throttleBurstLimit: number;
  /** Retention of the access log. */
  readonly logRetention: RetentionDays;
  /**
   * Keep the access log group when the stack goes away.
   * @default false
   */
  readonly retainLogs?: boolean;
  /**
   * Browser origins allowed by CORS.
   * @default - CORS disabled
   */
  readonly corsAllowOrigins?: readonly string[];
}

/** The request headers clients send and the response headers the contract tells them to read. */
const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'idempotency-key'];
const CORS_EXPOSE_HEADERS = ['x-request-id', 'idempotent-replayed', 'location'];

/** One JSON line per request; the fields answer "who called what, how did it end, how long". */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    sub: '$context.authorizer.claims.sub',
  }),
);

/**
 * The public HTTP API: one route and one Lambda per entry of the route table, the JWT
 * authorizer on every non-public route, stage-wide throttling and JSON access logs.
 * Admin routes need a token too; the admin role itself is checked in the handler (403).
 */
export class CrowdstartApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /** The route functions, by {@link routeId}. */
  readonly routeFunctions: ReadonlyMap<string, NodejsFunction>;

  constructor(scope: Construct, id: string, props: CrowdstartApiProps) {
    super(scope, id);
    const origins = props.corsAllowOrigins ?? [];
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: props.apiName,
      description: `Crowdstart public API (${props.apiName})`,
      // The stage is added below so it can carry throttling and access logs.
      createDefaultStage: false,
      corsPreflight: origins.length
        ? {
            allowOrigins: [...origins],
            allowHeaders: CORS_ALLOW_HEADERS,
            exposeHeaders: CORS_EXPOSE_HEADERS,
            allowMethods: [CorsHttpMethod.ANY],
            maxAge: Duration.hours(1),
          }
        : undefined,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit, burstLimit: props.throttleBurstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    });

    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.jwtIssuer, {
      jwtAudience: [...props.jwtAudience],
    });
    const functions = new Map<string, NodejsFunction>();
    for (const route of props.routes) {
      const name = routeId(route);
      const fn = props.functions.create(this, `${name}Function`, {
        module: `api/${route.handler}`,
        uses: route.uses,
        description: `${route.method} ${route.path}`,
      });
      const httpRoute = new HttpRoute(this, `${name}Route`, {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: new HttpLambdaIntegration(`${name}Integration`, props.functions.aliasOf(fn)),
        authorizer: route.auth === 'public' ? undefined : authorizer,
      });
      if (route.auth === 'public') {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            route.path === '/webhooks/stripe'
              ? 'Stripe cannot send a JWT: the handler authenticates each call by its Stripe-Signature header'
              : 'Public by the HTTP contract (catalog, search, health): anyone may read it, throttled by the stage',
        });
      }
      functions.set(name, fn);
    }
    this.routeFunctions = functions;
  }

  /** The base URL of the API (the `$default` stage). */
  get url(): string {
    return this.stage.url;
  }
}
