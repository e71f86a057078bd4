import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import ipaddr from 'ipaddr.js';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { DomainError } from '../platform/errors';
import { describeConnectionFailure } from './connector.errors';

/** Where a connector may connect, once its host name is resolved and every address checked. */
export interface CheckedTarget {
  /** The host as the connector names it: TLS checks the certificate against it. */
  host: string;
  /** The addresses it resolved to, all allowed; connections go to these, never re-resolved. */
  addresses: string[];
  port: number;
  database: string;
}

/** The reason a check refused, for `test()` to answer with and tests to tell apart. */
export type RefusalReason = 'not-allowed' | 'own-database' | 'superuser';

export class ConnectorRefusal extends DomainError {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    field: string,
  ) {
    super('BAD_USER_INPUT', message, { field, refused: reason });
  }
}

const NOT_ALLOWED_HINT =
  'connectors may only reach public addresses; loopback, private, link-local and other special addresses need the instance setting BERTH_CONNECTOR_ALLOWED_HOSTS (host names, IP addresses or CIDR ranges, set by whoever runs Berth)';

/**
 * Which hosts connectors may reach, and never Berth's own database.
 *
 * A connector names a host that anyone creating one chooses, and Berth connects from inside
 * its own network: without this, a project member could read Berth's database (password
 * hashes, tokens, encrypted secrets), a cloud metadata service or any internal server. So
 * every address a host resolves to must be an ordinary public unicast address, or be listed
 * in BERTH_CONNECTOR_ALLOWED_HOSTS (by host name, address or CIDR). Connections then go to
 * the checked addresses (a name re-resolved at connect time could answer differently).
 *
 * Berth's own database is refused even where its host is allowed: by resolved address, port
 * and database name before connecting, and after connecting by what the server says it is
 * (the database's oid and name and the server's start time), which also catches a port
 * forwarded to it.
 */
export class ConnectorPolicy {
  private readonly names = new Set<string>();
  private readonly ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  private readonly own: { host: string; port: number; database: string } | null;

  /**
   * `allowedHosts`: entries of BERTH_CONNECTOR_ALLOWED_HOSTS (validated by config.ts).
   * `ownDatabaseUrl`: the URL Berth's own DataSource connects with (DATABASE_URL or the embedded one's).
   */
  constructor(
    allowedHosts: readonly string[],
    ownDatabaseUrl: string | undefined,
    private readonly ownDb: DataSource | null = null,
  ) {
    for (const entry of allowedHosts) {
      const text = entry.trim().toLowerCase();
      if (!text) continue;
      if (text.includes('/')) {
        this.ranges.push(normalizedRange(ipaddr.parseCIDR(text)));
      } else if (ipaddr.isValid(unbracket(text)) && isIP(unbracket(text))) {
        const address = normalized(ipaddr.parse(unbracket(text)));
        this.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else {
        this.names.add(hostName(text));
      }
    }
    this.own = ownDatabaseUrl ? ownTarget(ownDatabaseUrl) : null;
  }

  /** True when no special address is allowed: the instance setting is empty. */
  get strict(): boolean {
    return this.names.size === 0 && this.ranges.length === 0;
  }

  /**
   * Resolves `host` and checks every address, then that the target is not Berth's own
   * database. Throws a ConnectorRefusal, or a DomainError when the name does not resolve.
   */
  async check(host: string, port: number, database: string): Promise<CheckedTarget> {
    const addresses = await resolve(host);
    const byName = this.names.has(hostName(host));
    for (const address of addresses) {
      if (!byName && !this.allowsAddress(address)) throw notAllowed(host);
    }
    if (await this.isOwnDatabase(addresses, port, database)) throw ownDatabase(host, port, database);
    return { host, addresses, port, database };
  }

  /** Like `check`, but a host name that does not resolve (yet) passes: it is checked again at every use. */
  async checkIfResolvable(host: string, port: number, database: string): Promise<void> {
    try {
      await this.check(host, port, database);
    } catch (error) {
      if (error instanceof ConnectorRefusal) throw error;
      if (error instanceof DomainError) return;
      throw error;
    }
  }

  /**
   * Runs right after connecting: refuses a superuser (or a member of a superuser role, who
   * could SET ROLE to it) and a server that turns out to be Berth's own database.
   */
  async afterConnect(client: pg.Client, user: string, target: CheckedTarget): Promise<void> {
    const { rows } = await client.query<{ superuser: boolean; datname: string; oid: string; started: string }>(
      `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolsuper AND pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER')) AS superuser,
              d.datname, d.oid::text AS oid, pg_catalog.pg_postmaster_start_time()::text AS started
         FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()`,
    );
    const found = rows[0];
    if (!found) return;
    if (found.superuser) {
      throw new ConnectorRefusal(
        'superuser',
        `user "${user}" is a PostgreSQL superuser (or a member of a superuser role): Berth refuses to connect as one, since it can read every database and the server's files; connect as a role without SUPERUSER that has only the privileges pipelines need`,
        'user',
      );
    }
    if (this.ownDb) {
      const [mine] = await this.ownDb.query<Array<{ datname: string; oid: string; started: string }>>(
        `SELECT d.datname, d.oid::text AS oid, pg_catalog.pg_postmaster_start_time()::text AS started
           FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()`,
      );
      if (mine && mine.datname === found.datname && mine.oid === found.oid && mine.started === found.started) throw ownDatabase(target.host, target.port, target.database);
    }
  }

  private allowsAddress(address: string): boolean {
    const parsed = normalized(ipaddr.parse(address));
    if (parsed.range() === 'unicast') return true;
    return this.ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
  }

  private async isOwnDatabase(addresses: string[], port: number, database: string): Promise<boolean> {
    if (!this.own || this.own.port !== port || this.own.database !== database) return false;
    let ownAddresses: string[];
    try {
      ownAddresses = await resolve(this.own.host);
    } catch {
      // Berth's own host does not resolve right now: compare by name only.
      return false;
    }
    const mine = new Set(ownAddresses.map(canonical));
    if (addresses.some((a) => mine.has(canonical(a)))) return true;
    // 127.0.0.1, ::1, 0.0.0.0 and this machine's own addresses all reach a server listening here.
    return ownAddresses.some(isThisMachine) && addresses.some(isThisMachine);
  }
}

/** The addresses `host` resolves to, as the system resolver answers (an IP stands for itself). */
async function resolve(host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  try {
    const found = await lookup(host, { all: true, verbatim: true });
    if (found.length === 0) throw Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' });
    return found.map((a) => a.address);
  } catch (error) {
    const failure = describeConnectionFailure(error, { host, port: 0, user: '', database: '' });
    throw new DomainError(failure.transient ? 'UNAVAILABLE' : 'BAD_USER_INPUT', failure.message, { field: 'host' });
  }
}

function notAllowed(host: string): ConnectorRefusal {
  return new ConnectorRefusal('not-allowed', `host "${host}" is not allowed: ${NOT_ALLOWED_HINT}`, 'host');
}

function ownDatabase(host: string, port: number, database: string): ConnectorRefusal {
  return new ConnectorRefusal(
    'own-database',
    `database "${database}" on ${host}:${port} is Berth's own database: connectors may not read or write it; keep your data in another database`,
    'database',
  );
}

/** IPv4-mapped IPv6 (::ffff:10.0.0.1) is the IPv4 address: judged and compared as such. */
function normalized(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
}

function normalizedRange([address, bits]: [ipaddr.IPv4 | ipaddr.IPv6, number]): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  return [address, bits];
}

function canonical(address: string): string {
  return normalized(ipaddr.parse(address)).toNormalizedString();
}

function isThisMachine(address: string): boolean {
  const parsed = normalized(ipaddr.parse(address));
  const range = parsed.range();
  if (range === 'loopback' || range === 'unspecified') return true;
  const own = Object.values(os.networkInterfaces())
    .flat()
    .filter((i) => i !== undefined)
    .map((i) => canonical(i.address.split('%')[0]));
  return own.includes(parsed.toNormalizedString());
}

function unbracket(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}

function hostName(host: string): string {
  const name = unbracket(host.trim().toLowerCase());
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function ownTarget(url: string): { host: string; port: number; database: string } {
  const parsed = new URL(url);
  const host = unbracket(decodeURIComponent(parsed.hostname) || 'localhost');
  const database = decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || 'postgres';
  return { host, port: Number(parsed.port || 5432), database };
}
