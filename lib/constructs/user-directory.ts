import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccountRecovery, CfnUserPoolGroup, Mfa, UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** Properties of {@link UserDirectory}. */
export interface UserDirectoryProps {
  /**
   * Keep the user pool (and protect it from deletion) when the stack goes away.
   * @default false
   */
  readonly retain?: boolean;
  /**
   * The group whose members the API treats as merchant staff (`cognito:groups` claim).
   * @default 'admin'
   */
  readonly adminGroupName?: string;
}

/**
 * The stage's own identity provider, for tenants that bring none: a Cognito user pool where
 * customers sign up with their email, an app client for the storefront, and the admin group.
 * The HTTP API's JWT authorizer trusts its {@link issuer} and {@link audience}.
 */
export class UserDirectory extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** The `iss` of the pool's tokens. */
  readonly issuer: string;
  /** The app client id: Cognito access tokens carry it as `client_id`, id tokens as `aud`. */
  readonly audience: string[];

  constructor(scope: Construct, id: string, props: UserDirectoryProps = {}) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      passwordPolicy: { minLength: 10, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      // Customers may add an authenticator app; requiring one would turn shoppers away.
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      deletionProtection: props.retain ?? false,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.userPool).acknowledge(
      { id: 'AwsSolutions-COG2', reason: 'Shoppers may add an authenticator app (optional TOTP); requiring MFA would turn them away at checkout' },
      {
        id: 'AwsSolutions-COG8',
        reason: "The Plus feature plan (threat protection) is billed per monthly active user; it is the tenant's call, not a default of every stage",
      },
    );
    this.client = this.userPool.addClient('StorefrontClient', {
      // A browser or mobile storefront cannot keep a client secret.
      generateSecret: false,
      authFlows: { userSrp: true },
      // The storefront signs in with SRP; there is no hosted UI, so no OAuth flow (implicit or
      // otherwise) and no callback URL to register.
      disableOAuth: true,
      preventUserExistenceErrors: true,
    });
    new CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: props.adminGroupName ?? 'admin',
      description: 'Merchant staff: admin routes',
    });
    this.issuer = this.userPool.userPoolProviderUrl;
    this.audience = [this.client.userPoolClientId];
  }
}
