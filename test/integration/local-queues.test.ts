/**
 * The local SQS engine (fauxqs with its SQLite persistence, lib/local/queues.ts) across a
 * restart on the same DATA_DIR: what was queued is still queued, in the main queues and their
 * DLQs, as on SQS, where a consumer's crash never deletes a message.
 */
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalQueues } from '../../lib/local/queues';

describe('local queues across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crowdstart-queues-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const client = (endpoint: string) =>
    new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

  it('keeps the messages a stopped stack left in a queue and delivers them after the restart', async () => {
    // Prepare: one message waiting in OrderEvents, then the engine stops
    const first = await startLocalQueues(dataDir);
    const before = client(first.endpoint);
    await before.send(new SendMessageCommand({ QueueUrl: first.queues.OrderEvents.url, MessageBody: '{"orderId":"ord_kept"}' }));
    before.destroy();
    await first.stop();

    // Act: start again on the same data
    const second = await startLocalQueues(dataDir);
    const after = client(second.endpoint);
    const { Messages = [] } = await after.send(
      new ReceiveMessageCommand({ QueueUrl: second.queues.OrderEvents.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    after.destroy();
    await second.stop();

    // Assess
    expect(Messages.map((m) => m.Body)).toEqual(['{"orderId":"ord_kept"}']);
  }, 30_000);
});
