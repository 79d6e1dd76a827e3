import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger per process (Powertools). Locally LOG_LEVEL=WARN keeps the dev console quiet. */
export const logger = new Logger({ serviceName: 'crowdstart' });
