// Function Compute entry point (runtime nodejs20, handler index.handler): the fleet tick.
import middy from '@middy/core';
import { logErrors, runtime } from '../../src/handlers/middleware';
import { scheduleHandler } from '../../src/handlers/schedule';

export const handler = middy(scheduleHandler).use(runtime()).use(logErrors());
