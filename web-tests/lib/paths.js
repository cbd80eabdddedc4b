// Folders used by the browser tests, resolved from this file so that the tests
// behave the same whatever the current directory is.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** web-tests/ */
export const WEB_TESTS_DIR = fileURLToPath(new URL('..', import.meta.url));
/** the Go module (the repository root) */
export const REPO_DIR = path.resolve(WEB_TESTS_DIR, '..');
/** kept by CI as an artefact: ../artifacts (git-ignored) */
export const ARTIFACTS_DIR = path.resolve(WEB_TESTS_DIR, '../artifacts');
export const SCREENSHOT_DIR = path.join(ARTIFACTS_DIR, 'screenshots');
export const LOG_DIR = path.join(ARTIFACTS_DIR, 'logs');
export const FIXTURES_DIR = path.join(WEB_TESTS_DIR, 'fixtures');
