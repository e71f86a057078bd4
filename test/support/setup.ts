import 'reflect-metadata';
import { afterAll } from 'vitest';
import { runFileCleanups } from './cleanup';

// Registered before any of the file's own hooks, so it runs after them: what the file's tests
// started is released when they are all done.
afterAll(runFileCleanups, 120_000);
