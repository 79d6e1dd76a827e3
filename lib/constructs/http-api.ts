import { Duration, NestedStack, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpIntegrationType,
  HttpRoute,
  HttpRouteIntegration,
  HttpRouteKey,
  LogGroupLogDestination,
  PayloadFormatVersion,
  type HttpRouteIntegrationConfig,
  type HttpStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
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
 * Which nested stack holds a route's function, by the first segment of its path (an admin
 * route's by its second): `/products`, `/admin/products` and `/admin/inventory` are Catalog.
 * A segment not named here goes to Platform. Keep a route where it is: moving it replaces its
 * function, and that deployment skips the canary.
 */
const ROUTE_STACKS: Readonly<Record<string, string>> = {
  products: 'Catalog',
  search: 'Catalog',
  inventory: 'Catalog',
  cart: 'Cart',
  me: 'Customer',
  checkout: 'Orders',
  orders: 'Orders',
  webhooks: 'Webhooks',
};

/** The nested stack of a route's function (see {@link ROUTE_STACKS}), e.g. 'Catalog'. */
export function routeStackOf(route: RouteDefinition): string {
  const [first, second] = route.path.split('/').filter(Boolean);
  return ROUTE_STACKS[(first === 'admin' ? second : first) ?? ''] ?? 'Platform';
}

/**
 * Integrates a route with a function's alias like HttpLambdaIntegration, minus the invoke
 * permission: that one would sit with the route in the parent stack, and the permission goes
 * with the function into its nested stack instead (one resource fewer per route in the parent).
 */
class AliasIntegration extends HttpRouteIntegration {
  constructor(id: string, private readonly alias: IFunction) {
    super(id);
  }

  bind(): HttpRouteIntegrationConfig {
    return { type: HttpIntegrationType.AWS_PROXY, uri: this.alias.functionArn, payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 };
  }
}

/**
 * The public HTTP API: one route and one Lambda per entry of the route table, the JWT
 * authorizer on every non-public route, stage-wide throttling and JSON access logs.
 * Admin routes need a token too; the admin role itself is checked in the handler (403).
 *
 * Room to grow: a route costs about 8 resources and CloudFormation allows 500 per stack, so
 * the route functions live in nested stacks, one per domain of routes (ROUTE_STACKS): each
 * function with its log group, role, version, alias, invoke permission and deployment group.
 * The API, its stage, authorizer, routes and integrations stay in this (the parent) stack with
 * their logical ids: a route moved into another stack would be created there before the old
 * one is deleted, and API Gateway refuses two routes with one key; kept here, each route is
 * updated in place to the new integration. Fewer resources per route was the alternative, but
 * each of the 8 carries a promise (own log group, canary, least-privilege invoke).
 */
export class CrowdstartApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /** The route functions, by {@link routeId}. */
  readonly routeFunctions: ReadonlyMap<string, NodejsFunction>;
  /** The nested stacks of the route functions, by {@link routeStackOf}. */
  readonly routeStacks = new Map<string, NestedStack>();

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
      const fn = props.functions.create(this.routeStack(routeStackOf(route)), `${name}Function`, {
        module: `api/${route.handler}`,
        uses: route.uses,
        description: `${route.method} ${route.path}`,
      });
      const alias = props.functions.aliasOf(fn);
      const httpRoute = new HttpRoute(this, `${name}Route`, {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: new AliasIntegration(`${name}Integration`, alias),
        authorizer: route.auth === 'public' ? undefined : authorizer,
      });
      // The permission HttpLambdaIntegration would add: API Gateway may invoke this route's alias.
      alias.addPermission(`${name}Integration-Permission`, {
        principal: new ServicePrincipal('apigateway.amazonaws.com'),
        sourceArn: Stack.of(alias).formatArn({ service: 'execute-api', resource: this.httpApi.apiId, resourceName: `*/*${route.path}` }),
      });
      if (route.auth === 'public') {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            route.path === '/webhooks/stripe'
              ? 'Stripe cannot send a JWT: the handler authenticates each call by its Stripe-Signature header'
              : 'Public by the HTTP contract (catalog, search, health, the API document): anyone may read it, throttled by the stage',
        });
      }
      functions.set(name, fn);
    }
    this.routeFunctions = functions;
  }

  private routeStack(name: string): NestedStack {
    let stack = this.routeStacks.get(name);
    if (!stack) {
      stack = new NestedStack(this, `${name}Routes`, { description: `Crowdstart ${name} route functions` });
      this.routeStacks.set(name, stack);
    }
    return stack;
  }

  /** The base URL of the API (the `$default` stage). */
  get url(): string {
    return this.stage.url;
  }
}
