import { EventEmitter } from 'node:events';
import { Repeater } from '@graphql-yoga/subscription';
import type { PubSub } from 'type-graphql';
import pg from 'pg';
import type { Logger } from './logger';

export type EventHandler = (payload: unknown) => void;

/**
 * Publish/subscribe on named topics. Every replica sees every event: the PostgreSQL
 * implementation relays through LISTEN/NOTIFY, so a subscriber connected to one server
 * hears what another server published. It is also type-graphql's `pubSub`, so
 * subscriptions are fed straight from it.
 */
export interface EventBus extends PubSub {
  publish(topic: string, payload: unknown): Promise<void>;
  /** Delivers to this process's subscribers only: for state each replica computes itself. */
  publishLocal(topic: string, payload: unknown): void;
  /** Returns the function that unsubscribes. */
  on(topic: string, handler: EventHandler): () => void;
  /** How many handlers of this process listen on `topic`: lets a caller know a subscription is in place. */
  listenerCount(topic: string): number;
  close(): Promise<void>;
}

/** Topic of an event about one object, e.g. `PROJECT_UPDATED:<id>`; matches type-graphql's `topicId`. */
export const topicFor = (topic: string, id?: unknown) => (id === undefined ? topic : `${topic}:${String(id)}`);

/** Delivers within this process only. */
export class LocalEventBus implements EventBus {
  protected readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(topic: string, payload: unknown): Promise<void> {
    this.deliver(topic, payload);
  }

  publishLocal(topic: string, payload: unknown): void {
    this.deliver(topic, payload);
  }

  protected deliver(topic: string, payload: unknown) {
    this.emitter.emit(topic, payload);
  }

  on(topic: string, handler: EventHandler): () => void {
    this.emitter.on(topic, handler);
    return () => this.emitter.off(topic, handler);
  }

  listenerCount(topic: string): number {
    return this.emitter.listenerCount(topic);
  }

  subscribe(routingKey: string, dynamicId?: unknown): AsyncIterable<unknown> {
    return new Repeater<unknown>(async (push, stop) => {
      const off = this.on(topicFor(routingKey, dynamicId), (payload) => void push(payload));
      await stop;
      off();
    });
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

const CHANNEL = 'berth_events';
/** NOTIFY payloads must stay under 8000 bytes; events carry ids and states, not data. */
const MAX_PAYLOAD_BYTES = 7900;
const RECONNECT_MS = 1000;

/**
 * Delivered to this process's subscribers when the bus listens again after losing its database
 * connection. NOTIFY is not stored: what was published meanwhile is gone, so whoever keeps state
 * from events (the registry of loaded models) reads it again.
 */
export const BUS_RECONNECTED = 'BUS_RECONNECTED';

/** Relays every event through PostgreSQL NOTIFY, including back to this process. */
export class PostgresEventBus extends LocalEventBus {
  private listener: pg.Client | undefined;
  /** The one reconnect loop running, if any: errors of a dying connection arrive more than once. */
  private reconnecting: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
  ) {
    super();
  }

  static async connect(url: string, logger: Logger): Promise<PostgresEventBus> {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('error', (error) => logger.warn({ err: error }, 'event bus lost a database connection'));
    const bus = new PostgresEventBus(url, pool, logger);
    await bus.listen();
    return bus;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      const { topic, payload } = JSON.parse(message.payload) as { topic: string; payload: unknown };
      this.deliver(topic, payload);
    });
    // Only the connection in use reconnects: a dying one may report an error and then its end.
    const lost = (error?: Error) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      this.logger.warn({ err: error }, 'event bus lost its database connection; reconnecting');
      void client.end().catch(() => undefined);
      this.reconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
  }

  private reconnect(): void {
    this.reconnecting ??= (async () => {
      while (!this.closed && !this.listener) {
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
        await this.listen().catch((error) => this.logger.warn({ err: error }, 'event bus reconnect failed'));
      }
      if (!this.listener) return;
      this.logger.info('event bus listening again');
      try {
        this.deliver(BUS_RECONNECTED, {});
      } catch (error) {
        this.logger.error({ err: error }, 'a subscriber failed on the event bus reconnecting');
      }
    })().finally(() => {
      this.reconnecting = undefined;
    });
  }

  override async publish(topic: string, payload: unknown): Promise<void> {
    const message = JSON.stringify({ topic, payload });
    if (Buffer.byteLength(message) > MAX_PAYLOAD_BYTES) {
      throw new Error(`Event on ${topic} is ${Buffer.byteLength(message)} bytes; events must stay under ${MAX_PAYLOAD_BYTES} bytes`);
    }
    await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, message]);
  }

  override async close(): Promise<void> {
    this.closed = true;
    await super.close();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
