import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../routes';

/** Properties of {@link CatalogCdn}. */
export interface CatalogCdnProps {
  readonly httpApi: IHttpApi;
  /** The public GET routes whose answers may be cached (their handlers send Cache-Control and ETag). */
  readonly cachedRoutes: readonly RouteDefinition[];
  /**
   * The longest an answer is kept, whatever its Cache-Control says.
   * @default Duration.minutes(5)
   */
  readonly maxTtl?: Duration;
}

/**
 * A CloudFront distribution in front of the HTTP API. The public catalog routes are cached for
 * as long as the API's own Cache-Control allows (no header: not cached), keyed by path and query
 * string only, and revalidated with the API's ETag. Every other route passes through uncached
 * with the viewer's headers (Authorization, Idempotency-Key), so the distribution can front the
 * whole API.
 */
export class CatalogCdn extends Construct {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: CatalogCdnProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const origin = new HttpOrigin(`${props.httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originId: 'HttpApi', // a fixed id: the generated one carries the stack name into the template
    });
    const catalogPolicy = new CachePolicy(this, 'CatalogCachePolicy', {
      comment: 'Public catalog reads, kept as long as the API Cache-Control allows',
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: props.maxTtl ?? Duration.minutes(5),
      queryStringBehavior: CacheQueryStringBehavior.all(),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const cached: BehaviorOptions = {
      origin,
      cachePolicy: catalogPolicy,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `${stack.stackName} API, catalog reads cached`,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      },
      additionalBehaviors: Object.fromEntries(props.cachedRoutes.map((route) => [pathPattern(route.path), cached])),
    });
    for (const [finding, reason] of Object.entries(NAG_REASONS)) Validations.of(this.distribution).acknowledge({ id: finding, reason });
  }
}

/** A route path as a CloudFront path pattern: `/products/{productId}` → `/products/*`. */
export function pathPattern(path: string): string {
  return path.replace(/\{[^}]+\}/g, '*');
}

const NAG_REASONS: Record<string, string> = {
  'AwsSolutions-CFR1': 'A public storefront API: customers may come from any country',
  'AwsSolutions-CFR2': 'The API stage throttles every route; a WAF is a per-tenant add-on',
  'AwsSolutions-CFR3': 'The API stage keeps access logs of every request that reaches it',
  'AwsSolutions-CFR4': 'The default CloudFront certificate; a tenant domain brings its own certificate and TLS policy',
};
