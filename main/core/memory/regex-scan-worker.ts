/** Entry point of the regex worker thread (regex-scan.ts RegexWorker). */
import { parentPort, workerData } from 'node:worker_threads';
import { serveRegexScans } from './regex-scan';

if (parentPort) serveRegexScans(parentPort, workerData);
