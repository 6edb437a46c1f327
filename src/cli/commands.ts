import { registerCommand } from './main';

// One line per command; the module behind each is imported only when the command runs.
