/** Reported as the plugin's `version` in analytics-next; a test keeps it equal to package.json. */
export const version = '0.1.0'
