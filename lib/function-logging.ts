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
 * memory. Application logs at INFO (the handlers' lines, ~60 B a request in the bench): Lambda
 * passes the level to the function (AWS_LAMBDA_LOG_LEVEL), and Powertools' Logger then takes it
 * over POWERTOOLS_LOG_LEVEL, so DEBUG on a stage is set here.
 */
import { ApplicationLogLevel, LoggingFormat, SystemLogLevel } from 'aws-cdk-lib/aws-lambda';

export const FUNCTION_LOGGING = {
  loggingFormat: LoggingFormat.JSON,
  applicationLogLevelV2: ApplicationLogLevel.INFO,
  systemLogLevelV2: SystemLogLevel.WARN,
} satisfies { loggingFormat: LoggingFormat; applicationLogLevelV2: ApplicationLogLevel; systemLogLevelV2: SystemLogLevel };

/** START, END and REPORT lines Lambda writes per invocation at system level INFO, about (REPORT with its X-Ray trace id); none at WARN. */
export const PLATFORM_LOG_BYTES = FUNCTION_LOGGING.systemLogLevelV2 === SystemLogLevel.WARN ? 0 : 350;
