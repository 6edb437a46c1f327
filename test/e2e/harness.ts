export { alarmCallback, type System, startSystem, WEBHOOK_TOKEN } from '../../src/sim/system';
