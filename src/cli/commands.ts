import { registerCommand } from './main';

// One line per command; the module behind each is imported only when the command runs.
registerCommand('cloud', 'run the local Alibaba Cloud (ECS, CloudMonitor, Tablestore emulators)', async () => (await import('../local/cli')).run);
registerCommand('validate', 'check policy files (exit 0 valid, 1 invalid, 2 usage/unreadable)', async () => (await import('./validate')).run);
registerCommand('schema', 'print the policy file JSON Schema', async () => (await import('./schema')).run);
registerCommand('init-tables', 'create the Tablestore tables (safe to run twice)', async () => (await import('../state/init-tables-cli')).run);
