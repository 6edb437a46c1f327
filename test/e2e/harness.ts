export { alarmCallback, startSystem, type System, WEBHOOK_TOKEN } from '../../src/fc-local/system';
