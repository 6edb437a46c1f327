// Function Compute entry point (runtime nodejs20, handler index.handler): CloudMonitor alarms.
import middy from '@middy/core';
import { alarmHandler } from '../../src/handlers/alarm';
import { httpErrors, runtime } from '../../src/handlers/middleware';

export const handler = middy(alarmHandler).use(runtime()).use(httpErrors());
