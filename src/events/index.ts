// Trigger payloads decoded into plain, validated values. Every failure is a ValidationError whose
// issues name the field (`timer event.payload.shard: …`).
export {
  type AlarmCallback,
  type AlertState,
  alarmEventKey,
  CMS_ALERT_EVENT_TYPE,
  decodeEventBridgeAlert,
  parseCloudMonitorCallback,
  toMetricSample,
} from './alarm';
export { decodeFcHttpEvent, type HttpRequest, verifyWebhookToken } from './http';
export { decodeTimerEvent, MAX_SHARDS, type ShardAssignment, type TimerEvent } from './timer';
