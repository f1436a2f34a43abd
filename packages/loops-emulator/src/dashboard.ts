/** The dashboard page (`GET /`); filled in below. */
export const DASHBOARD_HTML = '<!doctype html><title>Loops emulator</title><h1>Loops emulator</h1>'
