// The commands a user names: the CLI's first word and the action's `command` input read from this one list.
export const COMMANDS = ['plan', 'promote', 'status', 'verify', 'wait'] as const;
export type CommandName = (typeof COMMANDS)[number];
