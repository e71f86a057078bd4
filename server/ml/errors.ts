import { DomainError } from '../platform/errors';

/** Where a bad input was found, as precisely as the reader knows it. */
export interface DatasetLocation {
  /** The uploaded file's name; absent for rows that came as JSON. */
  file?: string;
  /** 1-based data row (the header is row 0). */
  row?: number;
  column?: string;
}

/**
 * A dataset a user gave us cannot be used as it is. A `BAD_USER_INPUT` domain error, so the
 * edge maps it like any other; the message starts with the location so it reads on its own.
 */
export class DatasetError extends DomainError {
  readonly file?: string;
  readonly row?: number;
  readonly column?: string;

  constructor(location: DatasetLocation, problem: string) {
    super('BAD_USER_INPUT', `${describeLocation(location)}${problem}`, { ...location });
    this.name = 'DatasetError';
    this.file = location.file;
    this.row = location.row;
    this.column = location.column;
  }
}

/** An uploaded model artifact cannot be loaded; `file` names the file at fault. */
export class ArtifactError extends DomainError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super('BAD_USER_INPUT', `${file}: ${problem}`, { file });
    this.name = 'ArtifactError';
  }
}

function describeLocation({ file, row, column }: DatasetLocation): string {
  const parts: string[] = [];
  if (file !== undefined) parts.push(file);
  if (row !== undefined) parts.push(`row ${row}`);
  if (column !== undefined) parts.push(`column "${column}"`);
  return parts.length > 0 ? `${parts.join(', ')}: ` : '';
}
