import { SendMessageCommand, type SendMessageCommandInput, type SQSClient } from '@aws-sdk/client-sqs';
import type { TaskHandler } from './types';

/**
 * A task handler for `arn:aws:states:::sqs:sendMessage` (and its `.waitForTaskToken` form) that
 * sends through `client` — pointed at the local queue engine — the way Step Functions does: a
 * JSON `MessageBody` goes out as its JSON text, and the state's result is the SendMessage
 * response. `queueUrl` maps the QueueUrl written in the ASL to the local one, if they differ.
 */
export function sqsSendMessageHandler(client: SQSClient, queueUrl: (fromDefinition: string) => string = (url) => url): TaskHandler {
  return async (input) => {
    const params = input as SendMessageCommandInput & { MessageBody?: unknown };
    const body = params.MessageBody;
    const response = await client.send(
      new SendMessageCommand({
        ...params,
        QueueUrl: queueUrl(String(params.QueueUrl)),
        MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
    return { MessageId: response.MessageId, MD5OfMessageBody: response.MD5OfMessageBody, SequenceNumber: response.SequenceNumber };
  };
}
