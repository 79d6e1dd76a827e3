/**
 * How every function logs, declared once: the CDK stack configures each function with it
 * (lib/constructs/service-functions.ts) and `npm run cost` bills the log ingestion it leaves.
 *
 * JSON log format, so Lambda filters by level. System logs at WARN: Lambda's START, END and
 * REPORT lines are INFO-level system events (about 350 B per invocation, at 5 million requests a
 * month most of the log bill), so WARN drops them and keeps the platform's warnings (e.g. logs
 * dropped). What operators lose: the per-invocation REPORT line (billed ms, max memory used, init
 * duration). Duration, errors, throttles and concurrency stay as CloudWatch metrics, failures in
 * the handlers' own ERROR lines and in X-Ray; set INFO here to get the lines back while sizing
 * memory. Application logs stay at INFO (Powertools' default; the handlers' lines, ~60 B a
 * request in the bench).
 */
import { LoggingFormat, SystemLogLevel } from 'aws-cdk-lib/aws-lambda';

export const FUNCTION_LOGGING = {
  loggingFormat: LoggingFormat.JSON,
  systemLogLevelV2: SystemLogLevel.WARN,
} satisfies { loggingFormat: LoggingFormat; systemLogLevelV2: SystemLogLevel };

/** START, END and REPORT lines Lambda writes per invocation at system level INFO, about (REPORT with its X-Ray trace id); none at WARN. */
export const PLATFORM_LOG_BYTES = FUNCTION_LOGGING.systemLogLevelV2 === SystemLogLevel.WARN ? 0 : 350;
