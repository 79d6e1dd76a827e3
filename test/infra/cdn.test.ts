import { synthTenant } from './support';

describe('the catalog CDN', () => {
  const { template } = synthTenant('acme');
  const distribution = () => Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig;
  const cachePolicies = () => template.findResources('AWS::CloudFront::CachePolicy');

  it('caches the public catalog routes for as long as the API Cache-Control says, by path and query string', () => {
    // Prepare
    const [policyId, policy] = Object.entries(cachePolicies())[0]!;
    const behaviors = distribution().CacheBehaviors as { PathPattern: string; CachePolicyId: unknown; AllowedMethods: string[] }[];

    // Assess
    expect(Object.keys(cachePolicies())).toHaveLength(1);
    expect(policy.Properties.CachePolicyConfig).toMatchObject({
      DefaultTTL: 0, // an answer without Cache-Control is not kept
      MinTTL: 0,
      ParametersInCacheKeyAndForwardedToOrigin: {
        QueryStringsConfig: { QueryStringBehavior: 'all' },
        HeadersConfig: { HeaderBehavior: 'none' },
        CookiesConfig: { CookieBehavior: 'none' },
      },
    });
    expect(behaviors.map((b) => b.PathPattern).sort()).toEqual(['/products', '/products/*', '/search']);
    for (const behavior of behaviors) {
      expect(behavior.CachePolicyId).toEqual({ Ref: policyId });
      expect(behavior.AllowedMethods).toEqual(['GET', 'HEAD', 'OPTIONS']);
    }
  });

  it('passes every other route to the API uncached, with the viewer headers (Authorization, Idempotency-Key)', () => {
    // Assess
    expect(distribution().DefaultCacheBehavior).toMatchObject({
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // CachingDisabled
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // AllViewerExceptHostHeader
      ViewerProtocolPolicy: 'https-only',
    });
    expect(distribution().DefaultCacheBehavior.AllowedMethods).toEqual(expect.arrayContaining(['POST', 'PUT', 'PATCH', 'DELETE']));
    expect(distribution().Origins[0]).toMatchObject({ CustomOriginConfig: { OriginProtocolPolicy: 'https-only' } });
  });
});
