import { registerCommand } from './main';

// One line per command; the module behind each is imported only when the command runs.
registerCommand('cloud', 'run the local Alibaba Cloud (ECS, CloudMonitor, Tablestore emulators)', async () => (await import('../../local-cloud/cli')).run);
registerCommand('validate', 'check policy files (exit 0 valid, 1 invalid, 2 usage/unreadable)', async () => (await import('./validate')).run);
registerCommand('schema', 'print the policy file JSON Schema', async () => (await import('./schema')).run);
registerCommand('init-tables', 'create the Tablestore tables (safe to run twice)', async () => (await import('./init-tables')).run);
registerCommand('report', 'render a saved run (ReportData JSON) into report.html', async () => (await import('../report/cli')).run);
registerCommand('setup-alarms', 'create or update the CloudMonitor alarm rules the policy file implies', async () => (await import('./setup-alarms')).run);
registerCommand(
  'fetch-history',
  "download an instance's outbound rate as a trace CSV (timestamp,value in bit/s)",
  async () => (await import('./fetch-history')).run,
);
registerCommand('plan', 'show what the policies would do now, changing nothing', async () => (await import('./plan')).run);
registerCommand('tick', "run the schedule function's cycle once (observe mode unless --enforce)", async () => (await import('./tick')).run);
registerCommand('status', "show every instance's stored scaling state", async () => (await import('./status')).run);
registerCommand('history', "show an instance's recorded decisions", async () => (await import('./history')).run);
registerCommand('start', 'the demo: simulate a week on the local cloud, print a summary, write report.html', async () => (await import('./start')).run);
registerCommand('backtest', 'replay a traffic trace through a policy: cost, drops, changes vs the oracle', async () => (await import('./backtest')).run);
registerCommand('pause', 'pause a policy or an instance now, without a redeploy (control table)', async () => (await import('./control')).runPause);
registerCommand('resume', "end a pause set with 'bwscaler pause'", async () => (await import('./control')).runResume);
registerCommand('override', "set or end an instance's bandwidth override until a time (control table)", async () => (await import('./control')).runOverride);
registerCommand('overrides', 'list the pauses and overrides in force in the control table', async () => (await import('./control')).runOverrides);
